import type { Packet } from 'mqtt-packet';
import { publishesWill, type ConnectionHandler, type MqttConnection } from '../connection';
import type { CloseReason } from '../types';
import type { HandlerContext } from './context';
import { handleConnect, releaseOpenedSession } from './connect';
import { handleDisconnect } from './disconnect';
import { handlePingreq } from './pingreq';
import { handlePuback } from './puback';
import { handlePubcomp } from './pubcomp';
import { handlePublish } from './publish';
import { handlePubrec } from './pubrec';
import { handlePubrel } from './pubrel';
import { handleSubscribe } from './subscribe';
import { handleUnsubscribe } from './unsubscribe';

/** Routes each packet of a connection to its handler (one file per packet type), and ends sessions. */
export function createPacketHandler(ctx: HandlerContext): ConnectionHandler {
  return {
    onPacket(connection: MqttConnection, packet: Packet): void | Promise<void> {
      if (packet.cmd === 'connect') return handleConnect(ctx, connection, packet);
      const state = connection.session;
      if (state === undefined) {
        // Only reachable if CONNECT was refused: the connection is closing already.
        return;
      }
      switch (packet.cmd) {
        case 'publish':
          return handlePublish(ctx, connection, state, packet);
        case 'puback':
          return handlePuback(connection, state, packet);
        case 'pubrec':
          return handlePubrec(connection, state, packet);
        case 'pubrel':
          return handlePubrel(connection, state, packet);
        case 'pubcomp':
          return handlePubcomp(connection, state, packet);
        case 'subscribe':
          return handleSubscribe(ctx, connection, state, packet);
        case 'unsubscribe':
          return handleUnsubscribe(connection, state, packet);
        case 'pingreq':
          return handlePingreq(connection);
        case 'disconnect':
          return handleDisconnect(connection, state);
        case 'connack':
        case 'suback':
        case 'unsuback':
        case 'pingresp':
        case 'auth':
          // Server-to-client packets (and MQTT 5 AUTH) from a client: a protocol violation [MQTT-4.8.0-1].
          connection.protocolError(`unexpected-${packet.cmd}`, 'protocol-error');
          return;
      }
    },
    onClose(connection: MqttConnection, reason: CloseReason): void {
      void endSession(ctx, connection, reason);
    },
  };
}

/**
 * After a connection closed: the will, if it ended without DISCONNECT [MQTT-3.1.2-8] (appended with its
 * QoS and retain flag [MQTT-3.1.2-14, -17]); the delivery stops; the store closes the session, discarding a
 * clean one [MQTT-3.1.2-6].
 */
async function endSession(
  ctx: HandlerContext,
  connection: MqttConnection,
  reason: CloseReason,
): Promise<void> {
  const state = connection.session;
  if (state === undefined) return;
  ctx.sessions.remove(connection);
  ctx.metrics.sessionsOnline.dec();
  if (state.persistent) ctx.metrics.sessionsPersistentOnline.dec();
  let will = state.will;
  state.will = undefined;
  if (will !== undefined && !connection.access.canPublish(will.topic)) {
    // Allowed at CONNECT, refused by a reloaded ACL since.
    ctx.metrics.authorizationDenials.inc({ action: 'will' });
    will = undefined;
  }
  const willAppended =
    will !== undefined && publishesWill(reason)
      ? ctx.store
          .append({
            topic: will.topic,
            payload: will.payload,
            qos: will.qos,
            retain: will.retain,
            publisherClientId: state.clientId,
          })
          .then(
            (outcome) => {
              if (outcome.status !== 'ok')
                ctx.metrics.messagesDropped.inc({ reason: `will-${outcome.status}` });
            },
            (err: unknown) => {
              ctx.logger.warn({ err, clientId: state.clientId }, 'will append failed');
            },
          )
      : Promise.resolve();
  try {
    await state.delivery?.stop();
  } catch (err) {
    ctx.logger.warn({ err, clientId: state.clientId }, 'delivery stop failed');
  }
  // A persistent session's next connection here continues its QoS flows [MQTT-4.3.3-2] [MQTT-4.4.0-1].
  if (state.persistent) {
    ctx.sessions.park(state.clientId, {
      epoch: state.epoch,
      inboundQos2: state.inboundQos2IfAny,
      delivery: state.delivery?.parked(),
    });
  }
  await willAppended;
  await releaseOpenedSession(ctx, state);
  ctx.sessions.ended(connection);
}

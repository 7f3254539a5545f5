import { randomBytes } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import type { IConnectPacket } from 'mqtt-packet';
import { validateTopicName, type TopicLimits } from '@starling/mqtt-topic';
import { TokenBucket } from '@starling/observability';
import type { MqttConnection } from '../connection';
import { recoveredDelivery } from '../delivery';
import {
  createSessionState,
  storedInboundIds,
  type InboundQos2,
  type SessionState,
} from '../session/session-state';
import type {
  CloseReason,
  OpenedSession,
  ParkedDelivery,
  ProtocolVersion,
  QoS,
  StoredSubscription,
  Will,
} from '../types';
import { FULL_ACCESS } from '../acl';
import type { AuthOutcome } from '../auth';
import type { HandlerContext } from './context';
import type { ParkedSession } from '../session/local-sessions';
import { requestRemoteTakeover } from './takeover';

/**
 * CONNECT, as an ordered list of steps:
 *
 *   1. validate         protocol rules the parser does not enforce; the client identifier
 *   2. authenticate     user name / password, or anonymous; then the ACL's view for this client, and its will
 *   3. take over        a connection with the same client id here is closed [MQTT-3.1.4-2]
 *   4. restore session  OpenSession in the store (new epoch); the previous owner elsewhere is told
 *   5. store will       kept with the connection until DISCONNECT or an ungraceful close
 *   6. CONNACK          0x00 with session present [MQTT-3.2.2-1..3]
 *   7. resume delivery  stored subscriptions continue at their committed offsets
 *
 * The protocol name and level were read by the connection already (CONNACK 0x01 [MQTT-3.1.2-2]).
 */

/** What a clean session resumes: one shared empty list rather than one per connection. */
const NO_SUBSCRIPTIONS: readonly StoredSubscription[] = Object.freeze([]);

/** CONNACK return codes of 3.1 / 3.1.1 (§3.2.2.3). */
export const CONNACK = {
  accepted: 0x00,
  unacceptableProtocolVersion: 0x01,
  identifierRejected: 0x02,
  serverUnavailable: 0x03,
  badUsernameOrPassword: 0x04,
  notAuthorized: 0x05,
} as const;

/** MQTT 3.1 limited client identifiers to 23 characters (3.1 §3.1 Client Identifier). */
export const MQTT_3_1_MAX_CLIENT_ID_CHARS = 23;

export type ConnectValidation =
  | {
      readonly status: 'ok';
      readonly clientId: string;
      readonly assigned: boolean;
      readonly will: Will | undefined;
    }
  /** Answer CONNACK with this return code, then close [MQTT-3.2.2-5]. */
  | { readonly status: 'refuse'; readonly returnCode: number; readonly reason: string }
  /** A protocol violation: close without CONNACK. */
  | { readonly status: 'close'; readonly reason: string };

/** Step 1, pure: everything about a CONNECT that does not need the store. */
export function validateConnect(
  packet: IConnectPacket,
  protocolVersion: ProtocolVersion,
  limits: TopicLimits,
  assignClientId: () => string = newClientId,
): ConnectValidation {
  // [MQTT-3.1.2-3] reserved flag, [MQTT-3.1.2-13] will QoS 0 and [MQTT-3.1.2-15] will retain 0 without the
  // will flag: mqtt-packet refuses those packets (malformed → close) before this runs.
  let will: Will | undefined;
  if (packet.will) {
    const qos: number = packet.will.qos ?? 0;
    // [MQTT-3.1.2-14] the will QoS must not be 3.
    if (qos > 2) return { status: 'close', reason: 'will-qos-3' };
    // [MQTT-3.1.2-9] will topic and message are present; the topic must be a valid topic name [MQTT-4.7.1-1].
    const topic = validateTopicName(packet.will.topic, limits);
    if (!topic.ok) return { status: 'close', reason: `will-topic-${topic.reason}` };
    const payload = packet.will.payload;
    will = {
      topic: packet.will.topic,
      payload: typeof payload === 'string' ? Buffer.from(payload, 'utf8') : payload,
      qos: qos as QoS,
      retain: packet.will.retain === true,
      willDelayIntervalSeconds: 0,
    };
  }
  // [MQTT-3.1.2-22] a password without a user name is a protocol violation (3.1.1).
  if (packet.password !== undefined && packet.username === undefined) {
    return { status: 'close', reason: 'password-without-username' };
  }
  // [MQTT-3.1.2-18..21] the user name / password flags and fields agree: mqtt-packet reads the fields the
  // flags announce and refuses a packet that lacks them.
  const clientId = packet.clientId;
  if (clientId.length === 0) {
    if (protocolVersion === 3) {
      // MQTT 3.1 requires 1 to 23 characters.
      return { status: 'refuse', returnCode: CONNACK.identifierRejected, reason: 'empty-client-id-3.1' };
    }
    // [MQTT-3.1.3-7] a zero-byte client id requires clean session = 1; else 0x02 and close [MQTT-3.1.3-8].
    if (packet.clean !== true) {
      return {
        status: 'refuse',
        returnCode: CONNACK.identifierRejected,
        reason: 'empty-client-id-persistent',
      };
    }
    // [MQTT-3.1.3-6] the server assigns a unique client identifier.
    return { status: 'ok', clientId: assignClientId(), assigned: true, will };
  }
  if (protocolVersion === 3 && [...clientId].length > MQTT_3_1_MAX_CLIENT_ID_CHARS) {
    return { status: 'refuse', returnCode: CONNACK.identifierRejected, reason: 'client-id-too-long-3.1' };
  }
  // [MQTT-3.1.3-5] any UTF-8 client id of 1 to 65535 bytes is accepted (beyond the required 23 characters
  // of [0-9a-zA-Z]); well-formed UTF-8 was checked by the connection [MQTT-1.5.3-1].
  return { status: 'ok', clientId, assigned: false, will };
}

/** A unique id for a client that sent none [MQTT-3.1.3-6]: random, so unique across gateways too. */
export function newClientId(): string {
  return `starling-${randomBytes(12).toString('hex')}`;
}

export async function handleConnect(
  ctx: HandlerContext,
  connection: MqttConnection,
  packet: IConnectPacket,
): Promise<void> {
  const clean = packet.clean !== false;

  // 1. validate
  const validation = validateConnect(packet, connection.protocolVersion, ctx.topicLimits);
  if (validation.status === 'close') {
    connection.protocolError(validation.reason, 'protocol-error');
    return;
  }
  if (validation.status === 'refuse') {
    ctx.metrics.protocolErrors.inc({ reason: validation.reason });
    refuse(connection, validation.returnCode, 'protocol-error', validation.reason);
    return;
  }
  connection.identify(validation.clientId);
  connection.startKeepAlive(packet.keepalive ?? 0);

  // 2. authenticate: by the verified client certificate (GATEWAY_TLS_IDENTITY=cn), else the password file
  const certificateUser = connection.certificateUser;
  const auth: AuthOutcome =
    certificateUser === undefined
      ? await ctx.auth.authenticate({
          ...(packet.username !== undefined ? { username: packet.username } : {}),
          ...(packet.password !== undefined ? { password: packet.password } : {}),
        })
      : packet.username === undefined || packet.username === certificateUser
        ? { status: 'ok', user: certificateUser }
        : // A certificate for one user cannot claim another's name.
          { status: 'bad-credentials', reason: 'certificate-user-mismatch' };
  if (auth.status !== 'ok') {
    ctx.metrics.authFailures.inc({ reason: auth.reason });
    const code = auth.status === 'bad-credentials' ? CONNACK.badUsernameOrPassword : CONNACK.notAuthorized;
    refuse(connection, code, 'not-authorized', auth.reason);
    return;
  }
  if (connection.closed) return;
  connection.user = auth.user;
  connection.access = ctx.acl?.forClient({ user: auth.user, clientId: connection.clientId }) ?? FULL_ACCESS;
  connection.authorized = true;
  // A will the client could not publish itself would let it publish there by disconnecting: refused now, when
  // the client can be told (CONNACK 0x05), rather than dropped unseen at the close.
  if (validation.will !== undefined && !connection.access.canPublish(validation.will.topic)) {
    ctx.metrics.authorizationDenials.inc({ action: 'will' });
    ctx.metrics.authFailures.inc({ reason: 'will-not-authorized' });
    refuse(connection, CONNACK.notAuthorized, 'not-authorized', 'will-not-authorized');
    return;
  }

  // 3. take over (on this gateway)
  await takeOverLocal(ctx, validation.clientId);
  if (connection.closed) return;

  // 4. restore session
  const opened = await openSessionRetrying(ctx, connection, {
    clientId: validation.clientId,
    cleanStart: clean,
    sessionExpiryIntervalSeconds: clean ? 0 : ctx.config.sessionExpiryMaxSeconds,
    // 5. store will, first half: with the session, so the store publishes it if this gateway dies (ADR 0013).
    will: validation.will,
  });
  if (opened === undefined) {
    if (!connection.closed) {
      refuse(connection, CONNACK.serverUnavailable, 'store-unavailable', 'store-unavailable');
    }
    return;
  }
  const persistent = !clean;
  const lastOwnerId = opened.lastOwnerId ?? opened.previousOwnerId;
  const resumed = persistent && opened.sessionPresent;
  const elsewhere = (id: string): boolean => id !== '' && id !== ctx.store.ownerId;
  // The session was last on another gateway: that one closes its connection if it still has one
  // [MQTT-3.1.4-2], and, for a resumed session, hands over what the session left there. The handover is
  // awaited (bounded): the QoS flows continue from it. A plain takeover is not: the store's epoch already
  // fences the old owner, and an absent gateway (no responders) needs nothing more.
  let handedOver: ParkedSession | undefined;
  if (elsewhere(opened.previousOwnerId) || (resumed && elsewhere(lastOwnerId))) {
    const owner = elsewhere(opened.previousOwnerId) ? opened.previousOwnerId : lastOwnerId;
    if (opened.previousOwnerId !== '') ctx.metrics.takeovers.inc({ where: 'remote' });
    const request = { clientId: validation.clientId, epoch: opened.epoch, handover: resumed };
    const asked = requestRemoteTakeover(ctx, owner, request, connection.logger);
    if (resumed) handedOver = await asked;
    else void asked;
  }
  // What the session's last connection on this gateway left (a clean start discards it). Taken in the same
  // turn as `register` below, so that a park arriving later is refused: a newer connection is here already.
  const parked = connection.closed ? undefined : ctx.sessions.takeParked(validation.clientId);
  // It is current only when this gateway owned the session last: a connection on another gateway since may
  // have completed those flows and reused the identifiers [MQTT-4.3.3-2] [MQTT-4.4.0-1]. Without it (the last
  // gateway crashed, restarted or did not answer), the store's copy as of the last commit (ADR 0014).
  const kept = !resumed ? undefined : lastOwnerId === ctx.store.ownerId ? parked : handedOver;
  const resumable = kept ?? (resumed ? recoveredSession(opened) : undefined);
  // Subscriptions stored under an earlier ACL that the current one refuses (the file changed): not resumed, and
  // removed from the session once it runs. Their unacknowledged messages are not sent again.
  const stored = persistent ? opened.subscriptions : NO_SUBSCRIPTIONS;
  // Read from the connection, not `access`: a reload while the store opened the session has replaced it.
  const revoked =
    ctx.acl === undefined ? [] : stored.filter((s) => !connection.access.canSubscribe(s.filter));
  const state = createSessionState({
    clientId: validation.clientId,
    epoch: opened.epoch,
    persistent,
    will: undefined,
    inboundQos2: resumable?.inboundQos2,
  });
  const { maxPublishRate, publishBurst } = ctx.config.limits;
  if (maxPublishRate > 0)
    state.publishRate = new TokenBucket(maxPublishRate, publishBurst, performance.now());
  if (connection.closed) {
    // The client left while the store opened its session: release it as a close would.
    void releaseOpenedSession(ctx, state);
    return;
  }
  connection.session = state;
  ctx.metrics.sessionsOnline.inc();
  if (persistent) ctx.metrics.sessionsPersistentOnline.inc();
  const loser = ctx.sessions.register(connection);
  if (loser === connection) {
    // A newer connection with this client id won the race on this gateway.
    connection.close('taken-over');
    return;
  }
  if (loser !== undefined) {
    ctx.metrics.takeovers.inc({ where: 'local' });
    loser.close('taken-over');
  }

  // 5. store will [MQTT-3.1.2-8]: kept in memory for this connection too; 3.1.1 has no will delay, so the
  // gateway appends it itself when the connection ends without DISCONNECT, and the store drops its copy.
  state.will = validation.will;

  // 6. CONNACK: session present only for a resumed persistent session [MQTT-3.2.2-1, -2, -3]. MQTT 3.1 has no
  // such flag: the byte is reserved and stays 0 there (as Mosquitto sends it), whatever the session.
  const sessionPresent = persistent && opened.sessionPresent && connection.protocolVersion !== 3;
  connection.send({ cmd: 'connack', returnCode: CONNACK.accepted, sessionPresent });
  ctx.metrics.connectionsAccepted.inc({
    transport: connection.transport,
    protocol: connection.protocolVersion === 3 ? '3.1' : '3.1.1',
  });
  if (ctx.logger.isLevelEnabled('debug')) {
    connection.logger.debug(
      { sessionPresent, assigned: validation.assigned, persistent },
      'client connected',
    );
  }

  // 7. resume delivery: stored subscriptions continue from their committed offsets; unacknowledged PUBLISH
  // packets and PUBRELs in flight are sent again [MQTT-4.4.0-1], exactly so when this gateway parked them.
  const delivery = ctx.delivery.open(connection, {
    clientId: validation.clientId,
    epoch: opened.epoch,
    persistent,
    subscriptions: revoked.length === 0 ? stored : stored.filter((s) => !revoked.includes(s)),
    ...(resumable?.delivery !== undefined ? { parked: withoutQueuesOf(resumable.delivery, revoked) } : {}),
    ...(persistent && opened.disconnectedAtMs !== undefined
      ? { disconnectedAtMs: opened.disconnectedAtMs }
      : {}),
    ...(persistent ? { inboundQos2Ids: () => storedInboundIds(state.inboundQos2IfAny) } : {}),
  });
  state.delivery = delivery;
  try {
    await delivery.resume();
  } catch (err) {
    connection.logger.warn({ err }, 'resume delivery failed');
    connection.close('store-unavailable');
    return;
  }
  if (revoked.length > 0) await removeRevoked(ctx, connection, opened.epoch, revoked);
}

/** Drops a resumed session's revoked subscriptions in the store (their filter holds go with them). */
async function removeRevoked(
  ctx: HandlerContext,
  connection: MqttConnection,
  epoch: number,
  revoked: readonly StoredSubscription[],
): Promise<void> {
  const filters = revoked.map((s) => s.filter);
  ctx.metrics.authorizationDenials.inc({ action: 'resumed-subscription' }, filters.length);
  connection.logger.info({ filters }, 'subscriptions the ACL no longer allows removed from the session');
  try {
    const outcome = await ctx.store.updateSession({ clientId: connection.clientId, epoch, remove: filters });
    if (outcome.status === 'stale-epoch') connection.close('taken-over');
  } catch (err) {
    // They stay stored, not read: the next CONNECT removes them again.
    connection.logger.warn({ err }, 'removing revoked subscriptions failed');
  }
}

/** A park without the queues of subscriptions that are not resumed (`parkedKey`: shard, kind, name). */
function withoutQueuesOf(parked: ParkedDelivery, dropped: readonly StoredSubscription[]): ParkedDelivery {
  if (dropped.length === 0) return parked;
  const filters = new Set(dropped.map((s) => s.filter));
  const queues = new Map([...parked.queues].filter(([key]) => !filters.has(key.split('\u0000')[2]!)));
  return { ...parked, queues };
}

/**
 * What the store's last commit kept of a resumed session's in-flight state (ADR 0014), as a park. Inbound QoS 2
 * identifiers come back `'restored'`: a PUBREL may have released them after that commit.
 */
function recoveredSession(opened: OpenedSession): Omit<ParkedSession, 'epoch'> {
  let inboundQos2: InboundQos2 | undefined;
  for (const id of opened.sessionIds?.inboundQos2Ids ?? []) (inboundQos2 ??= new Map()).set(id, 'restored');
  return { inboundQos2, delivery: recoveredDelivery(opened.subscriptions, opened.sessionIds) };
}

/** How long CONNECT keeps trying to open its session while the store is unavailable, before CONNACK 0x03. */
const OPEN_SESSION_RETRY_MS = 4_000;

/**
 * OpenSession, tried again (with a growing pause) while the store is unavailable, for a bounded time. A store
 * restart then costs the clients that reconnect meanwhile a slow CONNACK rather than a refusal (0x03), after
 * which many clients (mqtt.js by default) stop reconnecting. Undefined when it did not succeed, or the
 * connection closed meanwhile.
 */
async function openSessionRetrying(
  ctx: HandlerContext,
  connection: MqttConnection,
  request: Parameters<HandlerContext['store']['openSession']>[0],
): Promise<OpenedSession | undefined> {
  const deadline = Date.now() + OPEN_SESSION_RETRY_MS;
  for (let pauseMs = 50; ; pauseMs = Math.min(pauseMs * 2, 500)) {
    try {
      return await ctx.store.openSession(request);
    } catch (err) {
      if (connection.closed || Date.now() + pauseMs >= deadline) {
        connection.logger.warn({ err }, 'open session failed');
        return undefined;
      }
    }
    await new Promise((resolve) => setTimeout(resolve, pauseMs));
    if (connection.closed) return undefined;
  }
}

function refuse(
  connection: MqttConnection,
  returnCode: number,
  closeReason: CloseReason,
  reason: string,
): void {
  // [MQTT-3.2.2-4] a refusing CONNACK has session present 0; [MQTT-3.2.2-5] then the connection closes.
  connection.send({ cmd: 'connack', returnCode, sessionPresent: false });
  connection.logger.info({ returnCode, reason }, 'connect refused');
  connection.close(closeReason);
}

/**
 * Closes the connection holding `clientId` here, and waits (bounded) until its session is released. A
 * connection of that client id that closed a moment ago may still be committing its offsets and parking its
 * in-flight state: that is waited for too, so the new connection resumes from where the old one stopped.
 */
async function takeOverLocal(ctx: HandlerContext, clientId: string): Promise<void> {
  const existing = ctx.sessions.get(clientId);
  if (existing !== undefined) {
    ctx.metrics.takeovers.inc({ where: 'local' });
    existing.close('taken-over');
  }
  const teardown = (existing ?? ctx.sessions.endingConnection(clientId))?.session?.teardown;
  if (teardown === undefined) return;
  let timer: NodeJS.Timeout | undefined;
  await Promise.race([
    teardown,
    new Promise<void>((resolve) => {
      timer = setTimeout(resolve, ctx.takeoverWaitMs);
    }),
  ]);
  clearTimeout(timer);
}

/** Tells the store a session opened for a connection that is already gone is over. */
export async function releaseOpenedSession(ctx: HandlerContext, state: SessionState): Promise<void> {
  try {
    await ctx.store.closeSession({
      clientId: state.clientId,
      epoch: state.epoch,
      discard: !state.persistent,
      publishWill: false,
    });
  } catch (err) {
    ctx.logger.warn({ err, clientId: state.clientId }, 'close session failed');
  } finally {
    state.finishTeardown();
  }
}

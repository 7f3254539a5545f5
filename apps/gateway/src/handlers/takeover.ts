import { takeoverSubject, type BusSubscription } from '@starling/event-bus';
import type { Logger } from '@starling/observability';
import type { ParkedSession } from '../session/local-sessions';
import { decodeParkedSession, encodeParkedSession } from '../session/parked-session-codec';
import type { HandlerContext } from './context';

/**
 * Remote takeover [MQTT-3.1.4-2] and handover across gateways. The new owner, after OpenSession named the
 * session's last owner, sends `{ clientId, epoch, handover }` to `takeoverSubject(lastOwnerId)`; every gateway
 * serves its own subject and closes the named connection if its session epoch is older. No responders or a
 * timeout is fine: the store's epoch fencing refuses every later write of the stale owner anyway.
 *
 * With `handover` (a persistent session resumed), the old owner also answers with what the session left
 * there (`ParkedSession`: inbound QoS 2 identifiers, outbound messages and PUBRELs in flight), once the closed
 * connection's teardown has parked it (bounded wait), and forgets it: the client continues its QoS flows on
 * the new gateway as it would have on the old one [MQTT-4.3.3-2] [MQTT-4.4.0-1].
 */
export interface TakeoverRequest {
  readonly clientId: string;
  readonly epoch: number;
  readonly handover: boolean;
}

export const TAKEOVER_TIMEOUT_MS = 2_000;
/** How long the old owner waits for a closed connection's teardown before it answers a handover. */
const HANDOVER_TEARDOWN_WAIT_MS = 1_000;

export function encodeTakeoverRequest(request: TakeoverRequest): Uint8Array {
  return Buffer.from(
    JSON.stringify({ clientId: request.clientId, epoch: request.epoch, handover: request.handover }),
    'utf8',
  );
}

export function decodeTakeoverRequest(bytes: Uint8Array): TakeoverRequest | undefined {
  try {
    const value = JSON.parse(Buffer.from(bytes).toString('utf8')) as unknown;
    if (typeof value !== 'object' || value === null) return undefined;
    const { clientId, epoch, handover } = value as Record<string, unknown>;
    if (typeof clientId !== 'string' || typeof epoch !== 'number') return undefined;
    return { clientId, epoch, handover: handover === true };
  } catch {
    return undefined;
  }
}

/**
 * Asks the session's last owner to close its connection (if it still has one) and, with `handover`, for what
 * the session parked there. Undefined when there is nothing, nobody answered, or the answer was not usable.
 */
export async function requestRemoteTakeover(
  ctx: HandlerContext,
  lastOwnerId: string,
  request: TakeoverRequest,
  logger: Logger,
): Promise<ParkedSession | undefined> {
  const outcome = await ctx.bus.request(
    takeoverSubject(lastOwnerId),
    encodeTakeoverRequest(request),
    TAKEOVER_TIMEOUT_MS,
  );
  logger.debug({ lastOwnerId, outcome: outcome.status }, 'remote takeover requested');
  if (outcome.status !== 'ok' || !request.handover) return undefined;
  try {
    const reply = JSON.parse(Buffer.from(outcome.reply).toString('utf8')) as { parked?: unknown };
    return decodeParkedSession(reply.parked);
  } catch {
    return undefined;
  }
}

/** Serves this gateway's takeover subject: closes the local connection of an older epoch, hands its park over. */
export function serveTakeover(ctx: HandlerContext): BusSubscription {
  return ctx.bus.serve(takeoverSubject(ctx.store.ownerId), async (bytes) => {
    const request = decodeTakeoverRequest(bytes);
    if (request === undefined) return Buffer.from('{"closed":false,"error":"bad request"}');
    const connection = ctx.sessions.get(request.clientId);
    const epoch = connection?.session?.epoch;
    const closed = connection !== undefined && epoch !== undefined && epoch < request.epoch;
    if (closed) {
      ctx.metrics.takeovers.inc({ where: 'taken-by-remote' });
      connection.close('taken-over');
    }
    if (!request.handover) return Buffer.from(JSON.stringify({ closed }), 'utf8');
    const teardown = ctx.sessions.endingConnection(request.clientId)?.session?.teardown;
    if (teardown !== undefined) {
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([
        teardown,
        new Promise<void>((resolve) => {
          timer = setTimeout(resolve, HANDOVER_TEARDOWN_WAIT_MS);
        }),
      ]);
      clearTimeout(timer);
    }
    const parked = ctx.sessions.takeParked(request.clientId);
    // A park newer than the requester's session cannot exist; an older one is what it resumes from.
    const usable = parked !== undefined && parked.epoch < request.epoch ? parked : undefined;
    return Buffer.from(
      JSON.stringify(usable === undefined ? { closed } : { closed, parked: encodeParkedSession(usable) }),
      'utf8',
    );
  });
}

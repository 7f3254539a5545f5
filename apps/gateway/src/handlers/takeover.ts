import { takeoverSubject, type BusSubscription } from '@starling/event-bus';
import type { Logger } from '@starling/observability';
import type { HandlerContext } from './context';

/**
 * Remote takeover [MQTT-3.1.4-2] across gateways: the new owner, after OpenSession returned the previous
 * owner, sends `{ clientId, epoch }` to `takeoverSubject(previousOwnerId)`; every gateway serves its own
 * subject and closes the named connection if its session epoch is older. No responders or a timeout is
 * fine: the store's epoch fencing refuses every later write of the stale owner anyway.
 */
export interface TakeoverRequest {
  readonly clientId: string;
  readonly epoch: number;
}

export const TAKEOVER_TIMEOUT_MS = 2_000;

export function encodeTakeoverRequest(request: TakeoverRequest): Uint8Array {
  return Buffer.from(JSON.stringify({ clientId: request.clientId, epoch: request.epoch }), 'utf8');
}

export function decodeTakeoverRequest(bytes: Uint8Array): TakeoverRequest | undefined {
  try {
    const value = JSON.parse(Buffer.from(bytes).toString('utf8')) as unknown;
    if (typeof value !== 'object' || value === null) return undefined;
    const { clientId, epoch } = value as Record<string, unknown>;
    if (typeof clientId !== 'string' || typeof epoch !== 'number') return undefined;
    return { clientId, epoch };
  } catch {
    return undefined;
  }
}

export async function requestRemoteTakeover(
  ctx: HandlerContext,
  previousOwnerId: string,
  clientId: string,
  epoch: number,
  logger: Logger,
): Promise<void> {
  ctx.metrics.takeovers.inc({ where: 'remote' });
  const outcome = await ctx.bus.request(
    takeoverSubject(previousOwnerId),
    encodeTakeoverRequest({ clientId, epoch }),
    TAKEOVER_TIMEOUT_MS,
  );
  logger.debug({ previousOwnerId, outcome: outcome.status }, 'remote takeover requested');
}

/** Serves this gateway's takeover subject: closes the local connection of an older epoch. */
export function serveTakeover(ctx: HandlerContext): BusSubscription {
  return ctx.bus.serve(takeoverSubject(ctx.gatewayId), (bytes) => {
    const request = decodeTakeoverRequest(bytes);
    if (request === undefined) return Buffer.from('{"closed":false,"error":"bad request"}');
    const connection = ctx.sessions.get(request.clientId);
    const epoch = connection?.session?.epoch;
    const closed = connection !== undefined && epoch !== undefined && epoch < request.epoch;
    if (closed) {
      ctx.metrics.takeovers.inc({ where: 'taken-by-remote' });
      connection.close('taken-over');
    }
    return Buffer.from(JSON.stringify({ closed }), 'utf8');
  });
}

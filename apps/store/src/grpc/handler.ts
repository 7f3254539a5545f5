import { status, type sendUnaryData, type ServerUnaryCall, type ServiceError } from '@grpc/grpc-js';
import type { Logger } from '@starling/observability';
import type { StoreMetrics } from '../metrics';
import { StoreRequestError, unavailable } from './status';

export interface HandlerContext {
  logger: Logger;
  metrics?: StoreMetrics;
  /** False while recovery runs and once shutdown starts: calls answer UNAVAILABLE. */
  isServing(): boolean;
}

/** The status name of each gRPC code, for the requests metric's `code` label. */
export const CODE_NAMES = Object.fromEntries(
  Object.entries(status).map(([name, code]) => [code, name]),
) as Record<number, string>;

/**
 * Wraps a unary handler: a `StoreRequestError` becomes its gRPC status (and is counted by reason);
 * anything else is a bug or an I/O failure, logged and answered INTERNAL without details.
 */
export function unary<Req, Res>(
  context: HandlerContext,
  method: string,
  handle: (request: Req, call: ServerUnaryCall<Req, Res>) => Promise<Res>,
): (call: ServerUnaryCall<Req, Res>, callback: sendUnaryData<Res>) => void {
  return (call, callback) => {
    const finish = (code: status, error: Partial<ServiceError> | null, response?: Res): void => {
      context.metrics?.grpcRequests.inc({ method, code: CODE_NAMES[code] ?? String(code) });
      if (error) callback(error);
      else callback(null, response);
    };
    if (!context.isServing()) {
      const e = unavailable('not-serving', 'the store is starting or shutting down; retry');
      finish(e.code, e.toServiceError());
      return;
    }
    handle(call.request, call).then(
      (response) => finish(status.OK, null, response),
      (err: unknown) => {
        if (err instanceof StoreRequestError) {
          context.metrics?.rejected.inc({ reason: err.reason });
          finish(err.code, err.toServiceError());
          return;
        }
        context.logger.error({ err, method }, 'request failed');
        finish(status.INTERNAL, { code: status.INTERNAL, details: 'internal error; see the store log' });
      },
    );
  };
}

/** Remaining time before the call's deadline, in ms (Infinity without one). */
export function msUntilDeadline(call: { getDeadline(): Date | number }): number {
  const deadline = call.getDeadline();
  const at = deadline instanceof Date ? deadline.getTime() : deadline;
  return Number.isFinite(at) ? Math.max(0, at - Date.now()) : Infinity;
}

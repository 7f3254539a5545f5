import type { CallOptions, ServiceError, requestCallback } from '@grpc/grpc-js';

/**
 * Promisifies one unary call with a deadline. `invoke` calls the typed client method through its
 * (argument, options, callback) overload, so request and response types stay those of the contract:
 * `unary<AppendMessagesResponseOutput>((o, cb) => client.AppendMessages(req, o, cb), 5_000)`.
 */
export function unary<Res>(
  invoke: (options: CallOptions, callback: requestCallback<Res>) => unknown,
  deadlineMs: number,
): Promise<Res> {
  return new Promise<Res>((resolve, reject) => {
    invoke({ deadline: Date.now() + deadlineMs }, (err, res) => {
      if (err) reject(err);
      else resolve(res as Res);
    });
  });
}

/** True for a gRPC status error (as opposed to a bug in this process). */
export function isServiceError(e: unknown): e is ServiceError {
  return e instanceof Error && typeof (e as Partial<ServiceError>).code === 'number';
}

/** The store's `starling-reason` trailer ('stale-epoch', 'wrong-shard', …), '' when absent. */
export function reasonOf(e: ServiceError): string {
  const value = e.metadata?.get('starling-reason')[0];
  return value === undefined ? '' : String(value);
}

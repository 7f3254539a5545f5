import type { CallOptions, ServiceError, requestCallback } from '@grpc/grpc-js';
import { createHealthClient, createMessagingClient, createStoreClient } from '@starling/proto';

/** The last overload of a generated unary method: TypeScript infers request and response types from it. */
type UnaryMethod<Req, Res> = (argument: Req, callback: requestCallback<Res>) => unknown;
type UnaryWithOptions<Req, Res> = (
  argument: Req,
  options: CallOptions,
  callback: requestCallback<Res>,
) => unknown;

/** Promisifies a typed unary client method: `await call(client, client.appendMessages, request)`. */
export function call<Req, Res>(
  client: object,
  method: UnaryMethod<Req, Res>,
  request: NoInfer<Req>,
  options: { deadlineMs?: number } = {},
): Promise<Res> {
  return new Promise<Res>((resolve, reject) => {
    const callback: requestCallback<Res> = (err, res) => (err ? reject(err) : resolve(res as Res));
    if (options.deadlineMs === undefined) {
      method.call(client, request, callback);
    } else {
      // The same method through its (argument, options, callback) overload.
      const withOptions = method as unknown as UnaryWithOptions<Req, Res>;
      withOptions.call(client, request, { deadline: Date.now() + options.deadlineMs }, callback);
    }
  });
}

/** Clients for one store address; close them with `close()`. */
export function connectStore(address: string) {
  const store = createStoreClient(address);
  const messaging = createMessagingClient(address);
  const health = createHealthClient(address);
  return {
    store,
    messaging,
    health,
    close() {
      store.close();
      messaging.close();
      health.close();
    },
  };
}

/** The gRPC status code of a rejected promise (fails the test if it resolved). */
export async function codeOf(
  p: Promise<unknown>,
): Promise<{ code: number; details: string; reason: string }> {
  try {
    await p;
  } catch (e) {
    const err = e as ServiceError;
    return {
      code: err.code,
      details: err.details,
      reason: String(err.metadata?.get('starling-reason')[0] ?? ''),
    };
  }
  throw new Error('expected the call to fail, it succeeded');
}

/** One AppendMessages message at QoS 1 with a UTF-8 payload; `extra` adds or overrides fields. */
export const appendMessage = (topic: string, payload: string, extra: Record<string, unknown> = {}) => ({
  topic,
  payload: Buffer.from(payload),
  qos: 1,
  ...extra,
});

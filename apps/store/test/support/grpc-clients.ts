import { Metadata, type ServiceError } from '@grpc/grpc-js';
import { createHealthClient, createMessagingClient, createStoreClient } from '@starling/proto';

type Callback<Res> = (err: ServiceError | null, res?: Res) => void;
type UnaryMethod<Req, Res> = (
  req: Req,
  metadata: Metadata,
  options: { deadline?: number },
  cb: Callback<Res>,
) => unknown;

/** Promisifies a typed unary client method: `await call(client.appendMessages, req)`. */
export function call<Req, Res>(
  client: object,
  method: UnaryMethod<Req, Res>,
  request: Req,
  options: { deadlineMs?: number } = {},
): Promise<Res> {
  return new Promise<Res>((resolve, reject) => {
    const deadline = options.deadlineMs === undefined ? {} : { deadline: Date.now() + options.deadlineMs };
    method.call(client, request, new Metadata(), deadline, (err, res) =>
      err ? reject(err) : resolve(res as Res),
    );
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

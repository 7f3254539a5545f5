// Promisified unary calls on the typed gRPC clients of @starling/proto, with a deadline.
import type { CallOptions, requestCallback } from '@grpc/grpc-js';

/** The last overload of a generated unary method: request and response types are inferred from it. */
type Unary<Req, Res> = (request: Req, callback: requestCallback<Res>) => unknown;
type UnaryWithOptions<Req, Res> = (
  request: Req,
  options: CallOptions,
  callback: requestCallback<Res>,
) => unknown;

/** `await unary(client, client.produceMessages, request)`; rejects with the ServiceError. */
export function unary<Req, Res>(
  client: object,
  method: Unary<Req, Res>,
  request: NoInfer<Req>,
  deadlineMs = 10_000,
): Promise<Res> {
  // The same generated method, called through its (request, options, callback) overload.
  const withOptions = method as unknown as UnaryWithOptions<Req, Res>;
  return new Promise<Res>((resolve, reject) => {
    withOptions.call(client, request, { deadline: Date.now() + deadlineMs }, (err, res) =>
      err ? reject(err) : resolve(res as Res),
    );
  });
}

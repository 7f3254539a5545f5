import {
  Metadata,
  status,
  type CallOptions,
  type ClientUnaryCall,
  type ServerUnaryCall,
  type ServiceError,
  type handleUnaryCall,
} from '@grpc/grpc-js';
import type { StoreServiceClient, StoreServiceDefinition, StoreServiceHandlers } from '@starling/proto';

/** The unary RPCs of StoreService (WatchArrivals, a server stream, stays on gRPC). */
export type StoreUnaryMethod =
  | 'AppendMessages'
  | 'PullMessages'
  | 'RegisterFilter'
  | 'UnregisterFilter'
  | 'CommitOffsets'
  | 'FetchOffsets'
  | 'OpenSession'
  | 'UpdateSession'
  | 'CloseSession'
  | 'GetSession'
  | 'DeleteSession'
  | 'MatchRetained'
  | 'ListRetained'
  | 'GetShardInfo'
  | 'RenewOwnerLease';

/** A StoreService client for the unary calls, and `close()`: what a gateway in the store's process uses. */
export type InProcessStoreClient = Pick<StoreServiceClient, StoreUnaryMethod | 'close'>;

/**
 * Calls whose request and response objects cross without a protobuf copy. Their requests are built whole by
 * the caller (every field set, as the decoder would) and their responses are built whole by the handlers
 * (`messageToWire`, positions), so the objects on both sides have the decoded shape; the buffers shared this
 * way are never written after they are made (payloads from MQTT frames; commitlog bytes, immutable once
 * appended). Every other call is copied through the service's own serializers: exactly what gRPC delivers.
 */
const UNCOPIED: ReadonlySet<string> = new Set<string>([
  'AppendMessages',
  'PullMessages',
] satisfies StoreUnaryMethod[]);

type AnyCallback = (err: ServiceError | null, response?: unknown) => void;

/** A ServiceError as grpc-js makes it on the client side: an Error with code, details and metadata. */
function clientError(code: status, details: string, metadata = new Metadata()): ServiceError {
  return Object.assign(new Error(`${code} ${status[code]}: ${details}`), { code, details, metadata });
}

/**
 * A StoreService client that calls this process's handlers directly: no HTTP/2, no sockets, and no protobuf
 * round trip on the two hot calls (see UNCOPIED). Same handlers, validation, status codes, `starling-reason`
 * metadata and deadlines as over gRPC; answers are always asynchronous, as a network call's are.
 */
export function createInProcessStoreClient(
  definition: StoreServiceDefinition,
  handlers: StoreServiceHandlers,
): InProcessStoreClient {
  let closed = false;
  const client: Record<string, unknown> = {
    close(): void {
      closed = true;
    },
  };
  for (const [name, method] of Object.entries(definition)) {
    if (method.requestStream || method.responseStream) continue;
    const handler = (handlers as unknown as Record<string, handleUnaryCall<unknown, unknown>>)[name];
    if (handler === undefined) continue;
    const copy = !UNCOPIED.has(name);
    const serialize = method.requestSerialize as (value: unknown) => Buffer;
    const deserialize = method.requestDeserialize as (bytes: Buffer) => unknown;
    const serializeResponse = method.responseSerialize as (value: unknown) => Buffer;
    const deserializeResponse = method.responseDeserialize as (bytes: Buffer) => unknown;
    client[name] = (argument: unknown, ...rest: unknown[]): ClientUnaryCall => {
      // The overloads: (argument, [metadata], [options], callback).
      const callback = rest[rest.length - 1] as AnyCallback;
      const options = rest.find((r) => r !== callback && !(r instanceof Metadata)) as CallOptions | undefined;
      const metadata = rest.find((r): r is Metadata => r instanceof Metadata) ?? new Metadata();
      const deadline = options?.deadline;
      const deadlineMs =
        deadline === undefined ? Infinity : deadline instanceof Date ? deadline.getTime() : deadline;
      let answered = false;
      let cancelListeners: Array<() => void> | undefined;
      let timer: NodeJS.Timeout | undefined;
      const answer = (err: ServiceError | null, response?: unknown): void => {
        if (answered) return;
        answered = true;
        if (timer !== undefined) clearTimeout(timer);
        callback(err, response);
      };
      const cancel = (code: status, details: string): void => {
        if (answered) return;
        for (const listener of cancelListeners ?? []) listener();
        answer(clientError(code, details));
      };
      const call = {
        request: undefined as unknown,
        metadata,
        cancelled: false,
        getDeadline: () => deadlineMs,
        getPeer: () => 'in-process',
        once(event: string, listener: () => void) {
          if (event === 'cancelled') (cancelListeners ??= []).push(listener);
          return call;
        },
        on(event: string, listener: () => void) {
          return call.once(event, listener);
        },
      };
      process.nextTick(() => {
        if (answered) return;
        if (closed) {
          answer(clientError(status.UNAVAILABLE, 'Channel has been shut down'));
          return;
        }
        if (deadlineMs !== Infinity) {
          const leftMs = deadlineMs - Date.now();
          if (leftMs <= 0) {
            cancel(status.DEADLINE_EXCEEDED, 'Deadline exceeded');
            return;
          }
          timer = setTimeout(() => {
            call.cancelled = true;
            cancel(status.DEADLINE_EXCEEDED, 'Deadline exceeded');
          }, leftMs);
        }
        try {
          call.request = copy ? deserialize(serialize(argument)) : argument;
        } catch (err) {
          answer(clientError(status.INTERNAL, `request serialization failed: ${String(err)}`));
          return;
        }
        handler(call as unknown as ServerUnaryCall<unknown, unknown>, (err, response) => {
          if (err) {
            const code = err.code ?? status.UNKNOWN;
            const details = err.details ?? ('message' in err ? err.message : '');
            answer(clientError(code, details, err.metadata ?? new Metadata()));
            return;
          }
          try {
            answer(null, copy ? deserializeResponse(serializeResponse(response)) : response);
          } catch (e) {
            answer(clientError(status.INTERNAL, `response serialization failed: ${String(e)}`));
          }
        });
      });
      return {
        cancel: () => {
          call.cancelled = true;
          cancel(status.CANCELLED, 'Cancelled on client');
        },
        getPeer: () => 'in-process',
      } as unknown as ClientUnaryCall;
    };
  }
  return client as unknown as InProcessStoreClient;
}

import type { MethodDefinition, PackageDefinition, ServiceDefinition } from '@grpc/proto-loader';
import {
  decodeAppendMessagesRequest,
  decodeAppendMessagesResponse,
  encodeAppendMessagesRequest,
  encodeAppendMessagesResponse,
} from './append-messages-codec';
import {
  decodeAppendStreamRequest,
  decodeAppendStreamResponse,
  encodeAppendStreamRequest,
  encodeAppendStreamResponse,
} from './append-stream-codec';
import type {
  AppendMessagesRequest,
  AppendMessagesRequestOutput,
  AppendMessagesResponse,
  AppendMessagesResponseOutput,
  AppendStreamRequest,
  AppendStreamRequestOutput,
  AppendStreamResponse,
  AppendStreamResponseOutput,
  WatchArrivalsRequest,
  WatchArrivalsRequestOutput,
  WatchArrivalsResponse,
  WatchArrivalsResponseOutput,
} from './types';
import { ProtoDecodeError } from './wire-format';

const MALFORMED = Symbol('malformed request');

type AppendMethod = MethodDefinition<
  AppendMessagesRequest,
  AppendMessagesResponse,
  AppendMessagesRequestOutput,
  AppendMessagesResponseOutput
>;

/**
 * Why the server could not decode this request, when it could not. grpc-js answers INTERNAL ("Error deserializing
 * request") for a deserializer that throws, so the AppendMessages deserializer does not: on malformed bytes it
 * hands the handler an empty batch that carries the reason, and the handler answers INVALID_ARGUMENT with it. A
 * handler that forgets to ask still refuses the batch (it is empty) and writes nothing.
 */
export function malformedRequestOf(request: object): ProtoDecodeError | undefined {
  return (request as { [MALFORMED]?: ProtoDecodeError })[MALFORMED];
}

function decodeRequestOrMark(bytes: Buffer): AppendMessagesRequestOutput {
  try {
    return decodeAppendMessagesRequest(bytes);
  } catch (err) {
    if (!(err instanceof ProtoDecodeError)) throw err;
    return Object.assign({ messages: [] }, { [MALFORMED]: err });
  }
}

function decodeStreamRequestOrMark(bytes: Buffer): AppendStreamRequestOutput {
  try {
    return decodeAppendStreamRequest(bytes);
  } catch (err) {
    if (!(err instanceof ProtoDecodeError)) throw err;
    return Object.assign({ messages: [], batchId: 0 }, { [MALFORMED]: err });
  }
}

type AppendStreamMethod = MethodDefinition<
  AppendStreamRequest,
  AppendStreamResponse,
  AppendStreamRequestOutput,
  AppendStreamResponseOutput
>;

type WatchMethod = MethodDefinition<
  WatchArrivalsRequest,
  WatchArrivalsResponse,
  WatchArrivalsRequestOutput,
  WatchArrivalsResponseOutput
>;

/**
 * `definition` with the hand-written codecs (append-messages-codec.ts, append-stream-codec.ts) on
 * StoreService.AppendMessages and AppendStream, for both
 * sides: every server and every client built from @starling/proto uses them. protobufjs keeps the inputs the fast
 * encoders do not take, so the bytes on the wire are the same either way.
 *
 * StoreService.WatchArrivals' server serializer passes a Buffer through unchanged: the store writes each
 * dispatch batch's response encoded once (watch-arrivals-codec.ts) to every watcher. A response object, as any
 * other server of the definition writes, still goes to protobufjs. Clients decode as before.
 */
export function installHandCodecs(definition: PackageDefinition): PackageDefinition {
  const serviceName = 'starling.store.v1.StoreService';
  const service = definition[serviceName] as ServiceDefinition | undefined;
  const method = service?.AppendMessages as AppendMethod | undefined;
  const streamMethod = service?.AppendStream as AppendStreamMethod | undefined;
  const watchMethod = service?.WatchArrivals as WatchMethod | undefined;
  if (
    service === undefined ||
    method === undefined ||
    streamMethod === undefined ||
    watchMethod === undefined
  ) {
    throw new Error(
      `@starling/proto: ${serviceName}.AppendMessages, AppendStream or WatchArrivals is not in the package definition`,
    );
  }
  const { requestSerialize, responseSerialize } = method;
  const append: AppendMethod = {
    ...method,
    requestSerialize: (request) => encodeAppendMessagesRequest(request, requestSerialize),
    requestDeserialize: decodeRequestOrMark,
    responseSerialize: (response) => encodeAppendMessagesResponse(response, responseSerialize),
    responseDeserialize: decodeAppendMessagesResponse,
  };
  const stream: AppendStreamMethod = {
    ...streamMethod,
    requestSerialize: (request) => encodeAppendStreamRequest(request, streamMethod.requestSerialize),
    requestDeserialize: decodeStreamRequestOrMark,
    responseSerialize: (response) => encodeAppendStreamResponse(response, streamMethod.responseSerialize),
    responseDeserialize: decodeAppendStreamResponse,
  };
  const serializeWatch = watchMethod.responseSerialize;
  const watch: WatchMethod = {
    ...watchMethod,
    responseSerialize: (response) => (Buffer.isBuffer(response) ? response : serializeWatch(response)),
  };
  return {
    ...definition,
    [serviceName]: {
      ...service,
      AppendMessages: append,
      AppendStream: stream,
      WatchArrivals: watch,
    },
  };
}

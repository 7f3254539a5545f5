import type { MethodDefinition, PackageDefinition, ServiceDefinition } from '@grpc/proto-loader';
import {
  decodeAppendMessagesRequest,
  decodeAppendMessagesResponse,
  encodeAppendMessagesRequest,
  encodeAppendMessagesResponse,
} from './append-messages-codec';
import type {
  AppendMessagesRequest,
  AppendMessagesRequestOutput,
  AppendMessagesResponse,
  AppendMessagesResponseOutput,
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

/**
 * `definition` with the hand-written codecs (append-messages-codec.ts) on StoreService.AppendMessages, for both
 * sides: every server and every client built from @starling/proto uses them. protobufjs keeps the inputs the fast
 * encoders do not take, so the bytes on the wire are the same either way.
 */
export function installHandCodecs(definition: PackageDefinition): PackageDefinition {
  const serviceName = 'starling.store.v1.StoreService';
  const service = definition[serviceName] as ServiceDefinition | undefined;
  const method = service?.AppendMessages as AppendMethod | undefined;
  if (service === undefined || method === undefined) {
    throw new Error(`@starling/proto: ${serviceName}.AppendMessages is not in the package definition`);
  }
  const { requestSerialize, responseSerialize } = method;
  const append: AppendMethod = {
    ...method,
    requestSerialize: (request) => encodeAppendMessagesRequest(request, requestSerialize),
    requestDeserialize: decodeRequestOrMark,
    responseSerialize: (response) => encodeAppendMessagesResponse(response, responseSerialize),
    responseDeserialize: decodeAppendMessagesResponse,
  };
  return { ...definition, [serviceName]: { ...service, AppendMessages: append } };
}

import type { MessageTypeDefinition } from '@grpc/proto-loader';
import type { ArrivalEvent, ArrivalEvent__Output } from './generated/starling/events/v1/ArrivalEvent';
import type { TakeoverReply, TakeoverReply__Output } from './generated/starling/events/v1/TakeoverReply';
import type {
  TakeoverRequest,
  TakeoverRequest__Output,
} from './generated/starling/events/v1/TakeoverRequest';
import { loadPackageDefinition } from './load';

/** Encodes one NATS payload type to bytes and decodes it back, with the loader options of gRPC calls. */
export interface EventCodec<Input, Output> {
  /** The fully qualified protobuf name, e.g. 'starling.events.v1.ArrivalEvent'. */
  readonly typeName: string;
  encode(message: Input): Buffer;
  /** Throws on bytes that are not a valid encoding (a NATS subscriber should count and drop those). */
  decode(bytes: Uint8Array): Output;
}

/**
 * Builds a codec from the message definition that proto-loader already carries for every message
 * type: the same protobufjs Type and conversion options that gRPC uses, so an event decodes exactly
 * like a gRPC message would (Numbers for uint64, enum names, defaults, Buffers).
 */
function eventCodec<Input, Output>(typeName: string): EventCodec<Input, Output> {
  let definition: MessageTypeDefinition<Input, Output> | undefined;
  const resolve = (): MessageTypeDefinition<Input, Output> => {
    if (definition === undefined) {
      const found = loadPackageDefinition()[typeName];
      if (found === undefined || found.format !== 'Protocol Buffer 3 DescriptorProto') {
        throw new Error(`@starling/proto: ${typeName} is not a message type`);
      }
      definition = found as unknown as MessageTypeDefinition<Input, Output>;
    }
    return definition;
  };
  return {
    typeName,
    encode: (message) => resolve().serialize(message),
    // deserialize takes a Buffer; wrapping a Uint8Array shares its memory rather than copying.
    decode: (bytes) =>
      resolve().deserialize(
        Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength),
      ),
  };
}

/** `starling.events.v1.ArrivalEvent`: "queue Q on shard N now ends at offset S" (notifier → gateways). */
export const arrivalEventCodec: EventCodec<ArrivalEvent, ArrivalEvent__Output> = eventCodec(
  'starling.events.v1.ArrivalEvent',
);

/** `starling.events.v1.TakeoverRequest`: the NATS request a new session owner sends to the old one. */
export const takeoverRequestCodec: EventCodec<TakeoverRequest, TakeoverRequest__Output> = eventCodec(
  'starling.events.v1.TakeoverRequest',
);

/** `starling.events.v1.TakeoverReply`: the old owner's reply, once the session's state is flushed. */
export const takeoverReplyCodec: EventCodec<TakeoverReply, TakeoverReply__Output> = eventCodec(
  'starling.events.v1.TakeoverReply',
);

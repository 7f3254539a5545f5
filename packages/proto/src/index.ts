// @starling/proto: the gRPC contracts in proto/, loaded once, with typed clients, service definitions,
// NATS event codecs and clean names for the generated message types.
export { loaderOptions, loadPackageDefinition, listProtoFiles, protoDir } from './load';
export {
  createHealthClient,
  createMessagingClient,
  createStoreClient,
  healthServiceDefinition,
  loadGrpcObject,
  messagingServiceDefinition,
  storeServiceDefinition,
  type StarlingGrpcObject,
} from './services';
export { malformedRequestOf } from './hand-codecs';
export { AppendStreamClient, appendStreamError, type AppendedBatch } from './append-stream-client';
export {
  encodeWatchArrivalsResponse,
  writeEncodedWatchArrivals,
  type ArrivalFields,
  type EncodedWatchArrivalsResponse,
} from './watch-arrivals-codec';
export { ProtoDecodeError } from './wire-format';
export { arrivalEventCodec, takeoverReplyCodec, takeoverRequestCodec, type EventCodec } from './events';
export * from './types';

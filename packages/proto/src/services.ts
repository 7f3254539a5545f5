import * as grpc from '@grpc/grpc-js';
import type { ProtoGrpcType as EventsProtoGrpcType } from './generated/events';
import type { ProtoGrpcType as HealthProtoGrpcType } from './generated/health';
import type { ProtoGrpcType as MessagingProtoGrpcType } from './generated/messaging';
import type { ProtoGrpcType as StoreProtoGrpcType } from './generated/store';
import type { HealthClient, HealthDefinition } from './generated/grpc/health/v1/Health';
import type {
  MessagingServiceClient,
  MessagingServiceDefinition,
} from './generated/starling/messaging/v1/MessagingService';
import type { StoreServiceClient, StoreServiceDefinition } from './generated/starling/store/v1/StoreService';
import { installHandCodecs } from './hand-codecs';
import { loadPackageDefinition } from './load';

/** Everything under proto/, as grpc-js objects: one typed tree for all packages. */
export type StarlingGrpcObject = StoreProtoGrpcType &
  MessagingProtoGrpcType &
  EventsProtoGrpcType &
  HealthProtoGrpcType;

let grpcObject: StarlingGrpcObject | undefined;

/**
 * The grpc-js object tree (client constructors and service definitions), built once on first use.
 * StoreService.AppendMessages uses the hand-written codecs (hand-codecs.ts) on both sides.
 */
export function loadGrpcObject(): StarlingGrpcObject {
  // The cast is the one place where the runtime tree meets the generated types: both come from the same
  // proto files with the same options, and the generated-types test keeps them in step.
  grpcObject ??= grpc.loadPackageDefinition(
    installHandCodecs(loadPackageDefinition()),
  ) as unknown as StarlingGrpcObject;
  return grpcObject;
}

/** `starling.store.v1.StoreService`, for `server.addService(storeServiceDefinition(), handlers)`. */
export function storeServiceDefinition(): StoreServiceDefinition {
  return loadGrpcObject().starling.store.v1.StoreService.service;
}

/** `starling.messaging.v1.MessagingService`: the server-side Produce/Consume API. */
export function messagingServiceDefinition(): MessagingServiceDefinition {
  return loadGrpcObject().starling.messaging.v1.MessagingService.service;
}

/** `grpc.health.v1.Health`: the standard health checking service every Starling server exposes. */
export function healthServiceDefinition(): HealthDefinition {
  return loadGrpcObject().grpc.health.v1.Health.service;
}

/**
 * A typed client of one store shard's StoreService at `address` ('host:port'). Plaintext unless
 * `credentials` are given (in-cluster traffic, tests). Close it with `client.close()`.
 */
export function createStoreClient(
  address: string,
  credentials: grpc.ChannelCredentials = grpc.credentials.createInsecure(),
  channelOptions?: grpc.ChannelOptions,
): StoreServiceClient {
  const StoreService = loadGrpcObject().starling.store.v1.StoreService;
  return new StoreService(address, credentials, channelOptions);
}

/** A typed client of one store shard's MessagingService at `address`; see createStoreClient. */
export function createMessagingClient(
  address: string,
  credentials: grpc.ChannelCredentials = grpc.credentials.createInsecure(),
  channelOptions?: grpc.ChannelOptions,
): MessagingServiceClient {
  const MessagingService = loadGrpcObject().starling.messaging.v1.MessagingService;
  return new MessagingService(address, credentials, channelOptions);
}

/** A typed client of the Health service of any Starling server at `address`; see createStoreClient. */
export function createHealthClient(
  address: string,
  credentials: grpc.ChannelCredentials = grpc.credentials.createInsecure(),
  channelOptions?: grpc.ChannelOptions,
): HealthClient {
  const Health = loadGrpcObject().grpc.health.v1.Health;
  return new Health(address, credentials, channelOptions);
}

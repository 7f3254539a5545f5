// Clean names for the generated message types. For each message X, `X` is what you send (every field
// optional, 64-bit fields accept number | string | Long) and `XOutput` what you receive (defaults filled in,
// uint64 as number, enums as names). Enums are also exported as values holding their names.
// A unit test fails when a generated type is missing here.

// starling.store.v1
export type {
  AppendMessagesRequest,
  AppendMessagesRequest__Output as AppendMessagesRequestOutput,
} from './generated/starling/store/v1/AppendMessagesRequest';
export type {
  AppendMessagesResponse,
  AppendMessagesResponse__Output as AppendMessagesResponseOutput,
} from './generated/starling/store/v1/AppendMessagesResponse';
export type {
  AppendStreamRequest,
  AppendStreamRequest__Output as AppendStreamRequestOutput,
} from './generated/starling/store/v1/AppendStreamRequest';
export type {
  AppendStreamResponse,
  AppendStreamResponse__Output as AppendStreamResponseOutput,
} from './generated/starling/store/v1/AppendStreamResponse';
export type { Arrival, Arrival__Output as ArrivalOutput } from './generated/starling/store/v1/Arrival';
export type {
  CloseSessionRequest,
  CloseSessionRequest__Output as CloseSessionRequestOutput,
} from './generated/starling/store/v1/CloseSessionRequest';
export type {
  CloseSessionResponse,
  CloseSessionResponse__Output as CloseSessionResponseOutput,
} from './generated/starling/store/v1/CloseSessionResponse';
export type {
  CommitOffsetsRequest,
  CommitOffsetsRequest__Output as CommitOffsetsRequestOutput,
} from './generated/starling/store/v1/CommitOffsetsRequest';
export type {
  CommitOffsetsResponse,
  CommitOffsetsResponse__Output as CommitOffsetsResponseOutput,
} from './generated/starling/store/v1/CommitOffsetsResponse';
export { ConsumerKind } from './generated/starling/store/v1/ConsumerKind';
export type { ConsumerKind__Output as ConsumerKindOutput } from './generated/starling/store/v1/ConsumerKind';
export type {
  ConsumerRef,
  ConsumerRef__Output as ConsumerRefOutput,
} from './generated/starling/store/v1/ConsumerRef';
export type {
  DeleteSessionRequest,
  DeleteSessionRequest__Output as DeleteSessionRequestOutput,
} from './generated/starling/store/v1/DeleteSessionRequest';
export type {
  DeleteSessionResponse,
  DeleteSessionResponse__Output as DeleteSessionResponseOutput,
} from './generated/starling/store/v1/DeleteSessionResponse';
export type {
  FetchOffsetsRequest,
  FetchOffsetsRequest__Output as FetchOffsetsRequestOutput,
} from './generated/starling/store/v1/FetchOffsetsRequest';
export type {
  FetchOffsetsResponse,
  FetchOffsetsResponse__Output as FetchOffsetsResponseOutput,
} from './generated/starling/store/v1/FetchOffsetsResponse';
export type {
  GetSessionRequest,
  GetSessionRequest__Output as GetSessionRequestOutput,
} from './generated/starling/store/v1/GetSessionRequest';
export type {
  GetSessionResponse,
  GetSessionResponse__Output as GetSessionResponseOutput,
} from './generated/starling/store/v1/GetSessionResponse';
export type {
  GetShardInfoRequest,
  GetShardInfoRequest__Output as GetShardInfoRequestOutput,
} from './generated/starling/store/v1/GetShardInfoRequest';
export type {
  GetShardInfoResponse,
  GetShardInfoResponse__Output as GetShardInfoResponseOutput,
} from './generated/starling/store/v1/GetShardInfoResponse';
export type { InFlight, InFlight__Output as InFlightOutput } from './generated/starling/store/v1/InFlight';
export type {
  ListRetainedRequest,
  ListRetainedRequest__Output as ListRetainedRequestOutput,
} from './generated/starling/store/v1/ListRetainedRequest';
export type {
  ListRetainedResponse,
  ListRetainedResponse__Output as ListRetainedResponseOutput,
} from './generated/starling/store/v1/ListRetainedResponse';
export type {
  MatchRetainedRequest,
  MatchRetainedRequest__Output as MatchRetainedRequestOutput,
} from './generated/starling/store/v1/MatchRetainedRequest';
export type {
  MatchRetainedResponse,
  MatchRetainedResponse__Output as MatchRetainedResponseOutput,
} from './generated/starling/store/v1/MatchRetainedResponse';
export type { Message, Message__Output as MessageOutput } from './generated/starling/store/v1/Message';
export type {
  MessageProperties,
  MessageProperties__Output as MessagePropertiesOutput,
} from './generated/starling/store/v1/MessageProperties';
export type {
  OpenSessionRequest,
  OpenSessionRequest__Output as OpenSessionRequestOutput,
} from './generated/starling/store/v1/OpenSessionRequest';
export type {
  RenewOwnerLeaseRequest,
  RenewOwnerLeaseRequest__Output as RenewOwnerLeaseRequestOutput,
} from './generated/starling/store/v1/RenewOwnerLeaseRequest';
export type {
  RenewOwnerLeaseResponse,
  RenewOwnerLeaseResponse__Output as RenewOwnerLeaseResponseOutput,
} from './generated/starling/store/v1/RenewOwnerLeaseResponse';
export type {
  OpenSessionResponse,
  OpenSessionResponse__Output as OpenSessionResponseOutput,
} from './generated/starling/store/v1/OpenSessionResponse';
export type {
  PullMessagesRequest,
  PullMessagesRequest__Output as PullMessagesRequestOutput,
} from './generated/starling/store/v1/PullMessagesRequest';
export type {
  PullMessagesResponse,
  PullMessagesResponse__Output as PullMessagesResponseOutput,
} from './generated/starling/store/v1/PullMessagesResponse';
export { QueueKind } from './generated/starling/store/v1/QueueKind';
export type { QueueKind__Output as QueueKindOutput } from './generated/starling/store/v1/QueueKind';
export type {
  QueueMessage,
  QueueMessage__Output as QueueMessageOutput,
} from './generated/starling/store/v1/QueueMessage';
export type {
  QueueOffset,
  QueueOffset__Output as QueueOffsetOutput,
} from './generated/starling/store/v1/QueueOffset';
export type { QueueRef, QueueRef__Output as QueueRefOutput } from './generated/starling/store/v1/QueueRef';
export type {
  RegisterFilterRequest,
  RegisterFilterRequest__Output as RegisterFilterRequestOutput,
} from './generated/starling/store/v1/RegisterFilterRequest';
export type {
  RegisterFilterResponse,
  RegisterFilterResponse__Output as RegisterFilterResponseOutput,
} from './generated/starling/store/v1/RegisterFilterResponse';
export type {
  RetainedMessage,
  RetainedMessage__Output as RetainedMessageOutput,
} from './generated/starling/store/v1/RetainedMessage';
export type { Session, Session__Output as SessionOutput } from './generated/starling/store/v1/Session';
export type {
  StoreServiceClient,
  StoreServiceDefinition,
  StoreServiceHandlers,
} from './generated/starling/store/v1/StoreService';
export type {
  Subscription,
  Subscription__Output as SubscriptionOutput,
} from './generated/starling/store/v1/Subscription';
export type {
  UnregisterFilterRequest,
  UnregisterFilterRequest__Output as UnregisterFilterRequestOutput,
} from './generated/starling/store/v1/UnregisterFilterRequest';
export type {
  UnregisterFilterResponse,
  UnregisterFilterResponse__Output as UnregisterFilterResponseOutput,
} from './generated/starling/store/v1/UnregisterFilterResponse';
export type {
  UpdateSessionRequest,
  UpdateSessionRequest__Output as UpdateSessionRequestOutput,
} from './generated/starling/store/v1/UpdateSessionRequest';
export type {
  UpdateSessionResponse,
  UpdateSessionResponse__Output as UpdateSessionResponseOutput,
} from './generated/starling/store/v1/UpdateSessionResponse';
export type {
  UserProperty,
  UserProperty__Output as UserPropertyOutput,
} from './generated/starling/store/v1/UserProperty';
export type {
  WatchArrivalsRequest,
  WatchArrivalsRequest__Output as WatchArrivalsRequestOutput,
} from './generated/starling/store/v1/WatchArrivalsRequest';
export type {
  WatchArrivalsResponse,
  WatchArrivalsResponse__Output as WatchArrivalsResponseOutput,
} from './generated/starling/store/v1/WatchArrivalsResponse';
export type { Will, Will__Output as WillOutput } from './generated/starling/store/v1/Will';

// starling.messaging.v1
export type {
  CommitConsumerOffsetsRequest,
  CommitConsumerOffsetsRequest__Output as CommitConsumerOffsetsRequestOutput,
} from './generated/starling/messaging/v1/CommitConsumerOffsetsRequest';
export type {
  CommitConsumerOffsetsResponse,
  CommitConsumerOffsetsResponse__Output as CommitConsumerOffsetsResponseOutput,
} from './generated/starling/messaging/v1/CommitConsumerOffsetsResponse';
export type {
  ConsumeMessagesRequest,
  ConsumeMessagesRequest__Output as ConsumeMessagesRequestOutput,
} from './generated/starling/messaging/v1/ConsumeMessagesRequest';
export type {
  ConsumeMessagesResponse,
  ConsumeMessagesResponse__Output as ConsumeMessagesResponseOutput,
} from './generated/starling/messaging/v1/ConsumeMessagesResponse';
export type {
  ConsumedMessage,
  ConsumedMessage__Output as ConsumedMessageOutput,
} from './generated/starling/messaging/v1/ConsumedMessage';
export type {
  FetchConsumerOffsetsRequest,
  FetchConsumerOffsetsRequest__Output as FetchConsumerOffsetsRequestOutput,
} from './generated/starling/messaging/v1/FetchConsumerOffsetsRequest';
export type {
  FetchConsumerOffsetsResponse,
  FetchConsumerOffsetsResponse__Output as FetchConsumerOffsetsResponseOutput,
} from './generated/starling/messaging/v1/FetchConsumerOffsetsResponse';
export type { Header, Header__Output as HeaderOutput } from './generated/starling/messaging/v1/Header';
export type {
  MessagingServiceClient,
  MessagingServiceDefinition,
  MessagingServiceHandlers,
} from './generated/starling/messaging/v1/MessagingService';
export type {
  ProduceMessagesRequest,
  ProduceMessagesRequest__Output as ProduceMessagesRequestOutput,
} from './generated/starling/messaging/v1/ProduceMessagesRequest';
export type {
  ProduceMessagesResponse,
  ProduceMessagesResponse__Output as ProduceMessagesResponseOutput,
} from './generated/starling/messaging/v1/ProduceMessagesResponse';
export type {
  ProducedMessage,
  ProducedMessage__Output as ProducedMessageOutput,
} from './generated/starling/messaging/v1/ProducedMessage';
export { StartPosition } from './generated/starling/messaging/v1/StartPosition';
export type { StartPosition__Output as StartPositionOutput } from './generated/starling/messaging/v1/StartPosition';
export type {
  TopicOffset,
  TopicOffset__Output as TopicOffsetOutput,
} from './generated/starling/messaging/v1/TopicOffset';

// starling.events.v1
export type {
  ArrivalEvent,
  ArrivalEvent__Output as ArrivalEventOutput,
} from './generated/starling/events/v1/ArrivalEvent';
export type {
  TakeoverReply,
  TakeoverReply__Output as TakeoverReplyOutput,
} from './generated/starling/events/v1/TakeoverReply';
export type {
  TakeoverRequest,
  TakeoverRequest__Output as TakeoverRequestOutput,
} from './generated/starling/events/v1/TakeoverRequest';

// grpc.health.v1
export type { HealthClient, HealthDefinition, HealthHandlers } from './generated/grpc/health/v1/Health';
export type {
  HealthCheckRequest,
  HealthCheckRequest__Output as HealthCheckRequestOutput,
} from './generated/grpc/health/v1/HealthCheckRequest';
export { _grpc_health_v1_HealthCheckResponse_ServingStatus as ServingStatus } from './generated/grpc/health/v1/HealthCheckResponse';
export type { _grpc_health_v1_HealthCheckResponse_ServingStatus__Output as ServingStatusOutput } from './generated/grpc/health/v1/HealthCheckResponse';
export type {
  HealthCheckResponse,
  HealthCheckResponse__Output as HealthCheckResponseOutput,
} from './generated/grpc/health/v1/HealthCheckResponse';

// Original file: ../../proto/starling/store/v1/store.proto

import type * as grpc from '@grpc/grpc-js'
import type { MethodDefinition } from '@grpc/proto-loader'
import type { AppendMessagesRequest as _starling_store_v1_AppendMessagesRequest, AppendMessagesRequest__Output as _starling_store_v1_AppendMessagesRequest__Output } from '../../../starling/store/v1/AppendMessagesRequest';
import type { AppendMessagesResponse as _starling_store_v1_AppendMessagesResponse, AppendMessagesResponse__Output as _starling_store_v1_AppendMessagesResponse__Output } from '../../../starling/store/v1/AppendMessagesResponse';
import type { AppendStreamRequest as _starling_store_v1_AppendStreamRequest, AppendStreamRequest__Output as _starling_store_v1_AppendStreamRequest__Output } from '../../../starling/store/v1/AppendStreamRequest';
import type { AppendStreamResponse as _starling_store_v1_AppendStreamResponse, AppendStreamResponse__Output as _starling_store_v1_AppendStreamResponse__Output } from '../../../starling/store/v1/AppendStreamResponse';
import type { CloseSessionRequest as _starling_store_v1_CloseSessionRequest, CloseSessionRequest__Output as _starling_store_v1_CloseSessionRequest__Output } from '../../../starling/store/v1/CloseSessionRequest';
import type { CloseSessionResponse as _starling_store_v1_CloseSessionResponse, CloseSessionResponse__Output as _starling_store_v1_CloseSessionResponse__Output } from '../../../starling/store/v1/CloseSessionResponse';
import type { CommitOffsetsRequest as _starling_store_v1_CommitOffsetsRequest, CommitOffsetsRequest__Output as _starling_store_v1_CommitOffsetsRequest__Output } from '../../../starling/store/v1/CommitOffsetsRequest';
import type { CommitOffsetsResponse as _starling_store_v1_CommitOffsetsResponse, CommitOffsetsResponse__Output as _starling_store_v1_CommitOffsetsResponse__Output } from '../../../starling/store/v1/CommitOffsetsResponse';
import type { DeleteSessionRequest as _starling_store_v1_DeleteSessionRequest, DeleteSessionRequest__Output as _starling_store_v1_DeleteSessionRequest__Output } from '../../../starling/store/v1/DeleteSessionRequest';
import type { DeleteSessionResponse as _starling_store_v1_DeleteSessionResponse, DeleteSessionResponse__Output as _starling_store_v1_DeleteSessionResponse__Output } from '../../../starling/store/v1/DeleteSessionResponse';
import type { FetchOffsetsRequest as _starling_store_v1_FetchOffsetsRequest, FetchOffsetsRequest__Output as _starling_store_v1_FetchOffsetsRequest__Output } from '../../../starling/store/v1/FetchOffsetsRequest';
import type { FetchOffsetsResponse as _starling_store_v1_FetchOffsetsResponse, FetchOffsetsResponse__Output as _starling_store_v1_FetchOffsetsResponse__Output } from '../../../starling/store/v1/FetchOffsetsResponse';
import type { GetSessionRequest as _starling_store_v1_GetSessionRequest, GetSessionRequest__Output as _starling_store_v1_GetSessionRequest__Output } from '../../../starling/store/v1/GetSessionRequest';
import type { GetSessionResponse as _starling_store_v1_GetSessionResponse, GetSessionResponse__Output as _starling_store_v1_GetSessionResponse__Output } from '../../../starling/store/v1/GetSessionResponse';
import type { GetShardInfoRequest as _starling_store_v1_GetShardInfoRequest, GetShardInfoRequest__Output as _starling_store_v1_GetShardInfoRequest__Output } from '../../../starling/store/v1/GetShardInfoRequest';
import type { GetShardInfoResponse as _starling_store_v1_GetShardInfoResponse, GetShardInfoResponse__Output as _starling_store_v1_GetShardInfoResponse__Output } from '../../../starling/store/v1/GetShardInfoResponse';
import type { ListRetainedRequest as _starling_store_v1_ListRetainedRequest, ListRetainedRequest__Output as _starling_store_v1_ListRetainedRequest__Output } from '../../../starling/store/v1/ListRetainedRequest';
import type { ListRetainedResponse as _starling_store_v1_ListRetainedResponse, ListRetainedResponse__Output as _starling_store_v1_ListRetainedResponse__Output } from '../../../starling/store/v1/ListRetainedResponse';
import type { MatchRetainedRequest as _starling_store_v1_MatchRetainedRequest, MatchRetainedRequest__Output as _starling_store_v1_MatchRetainedRequest__Output } from '../../../starling/store/v1/MatchRetainedRequest';
import type { MatchRetainedResponse as _starling_store_v1_MatchRetainedResponse, MatchRetainedResponse__Output as _starling_store_v1_MatchRetainedResponse__Output } from '../../../starling/store/v1/MatchRetainedResponse';
import type { OpenSessionRequest as _starling_store_v1_OpenSessionRequest, OpenSessionRequest__Output as _starling_store_v1_OpenSessionRequest__Output } from '../../../starling/store/v1/OpenSessionRequest';
import type { OpenSessionResponse as _starling_store_v1_OpenSessionResponse, OpenSessionResponse__Output as _starling_store_v1_OpenSessionResponse__Output } from '../../../starling/store/v1/OpenSessionResponse';
import type { PullMessagesRequest as _starling_store_v1_PullMessagesRequest, PullMessagesRequest__Output as _starling_store_v1_PullMessagesRequest__Output } from '../../../starling/store/v1/PullMessagesRequest';
import type { PullMessagesResponse as _starling_store_v1_PullMessagesResponse, PullMessagesResponse__Output as _starling_store_v1_PullMessagesResponse__Output } from '../../../starling/store/v1/PullMessagesResponse';
import type { RegisterFilterRequest as _starling_store_v1_RegisterFilterRequest, RegisterFilterRequest__Output as _starling_store_v1_RegisterFilterRequest__Output } from '../../../starling/store/v1/RegisterFilterRequest';
import type { RegisterFilterResponse as _starling_store_v1_RegisterFilterResponse, RegisterFilterResponse__Output as _starling_store_v1_RegisterFilterResponse__Output } from '../../../starling/store/v1/RegisterFilterResponse';
import type { RenewOwnerLeaseRequest as _starling_store_v1_RenewOwnerLeaseRequest, RenewOwnerLeaseRequest__Output as _starling_store_v1_RenewOwnerLeaseRequest__Output } from '../../../starling/store/v1/RenewOwnerLeaseRequest';
import type { RenewOwnerLeaseResponse as _starling_store_v1_RenewOwnerLeaseResponse, RenewOwnerLeaseResponse__Output as _starling_store_v1_RenewOwnerLeaseResponse__Output } from '../../../starling/store/v1/RenewOwnerLeaseResponse';
import type { UnregisterFilterRequest as _starling_store_v1_UnregisterFilterRequest, UnregisterFilterRequest__Output as _starling_store_v1_UnregisterFilterRequest__Output } from '../../../starling/store/v1/UnregisterFilterRequest';
import type { UnregisterFilterResponse as _starling_store_v1_UnregisterFilterResponse, UnregisterFilterResponse__Output as _starling_store_v1_UnregisterFilterResponse__Output } from '../../../starling/store/v1/UnregisterFilterResponse';
import type { UpdateSessionRequest as _starling_store_v1_UpdateSessionRequest, UpdateSessionRequest__Output as _starling_store_v1_UpdateSessionRequest__Output } from '../../../starling/store/v1/UpdateSessionRequest';
import type { UpdateSessionResponse as _starling_store_v1_UpdateSessionResponse, UpdateSessionResponse__Output as _starling_store_v1_UpdateSessionResponse__Output } from '../../../starling/store/v1/UpdateSessionResponse';
import type { WatchArrivalsRequest as _starling_store_v1_WatchArrivalsRequest, WatchArrivalsRequest__Output as _starling_store_v1_WatchArrivalsRequest__Output } from '../../../starling/store/v1/WatchArrivalsRequest';
import type { WatchArrivalsResponse as _starling_store_v1_WatchArrivalsResponse, WatchArrivalsResponse__Output as _starling_store_v1_WatchArrivalsResponse__Output } from '../../../starling/store/v1/WatchArrivalsResponse';

export interface StoreServiceClient extends grpc.Client {
  AppendMessages(argument: _starling_store_v1_AppendMessagesRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_starling_store_v1_AppendMessagesResponse__Output>): grpc.ClientUnaryCall;
  AppendMessages(argument: _starling_store_v1_AppendMessagesRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_starling_store_v1_AppendMessagesResponse__Output>): grpc.ClientUnaryCall;
  AppendMessages(argument: _starling_store_v1_AppendMessagesRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_starling_store_v1_AppendMessagesResponse__Output>): grpc.ClientUnaryCall;
  AppendMessages(argument: _starling_store_v1_AppendMessagesRequest, callback: grpc.requestCallback<_starling_store_v1_AppendMessagesResponse__Output>): grpc.ClientUnaryCall;
  appendMessages(argument: _starling_store_v1_AppendMessagesRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_starling_store_v1_AppendMessagesResponse__Output>): grpc.ClientUnaryCall;
  appendMessages(argument: _starling_store_v1_AppendMessagesRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_starling_store_v1_AppendMessagesResponse__Output>): grpc.ClientUnaryCall;
  appendMessages(argument: _starling_store_v1_AppendMessagesRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_starling_store_v1_AppendMessagesResponse__Output>): grpc.ClientUnaryCall;
  appendMessages(argument: _starling_store_v1_AppendMessagesRequest, callback: grpc.requestCallback<_starling_store_v1_AppendMessagesResponse__Output>): grpc.ClientUnaryCall;
  
  AppendStream(metadata: grpc.Metadata, options?: grpc.CallOptions): grpc.ClientDuplexStream<_starling_store_v1_AppendStreamRequest, _starling_store_v1_AppendStreamResponse__Output>;
  AppendStream(options?: grpc.CallOptions): grpc.ClientDuplexStream<_starling_store_v1_AppendStreamRequest, _starling_store_v1_AppendStreamResponse__Output>;
  appendStream(metadata: grpc.Metadata, options?: grpc.CallOptions): grpc.ClientDuplexStream<_starling_store_v1_AppendStreamRequest, _starling_store_v1_AppendStreamResponse__Output>;
  appendStream(options?: grpc.CallOptions): grpc.ClientDuplexStream<_starling_store_v1_AppendStreamRequest, _starling_store_v1_AppendStreamResponse__Output>;
  
  CloseSession(argument: _starling_store_v1_CloseSessionRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_starling_store_v1_CloseSessionResponse__Output>): grpc.ClientUnaryCall;
  CloseSession(argument: _starling_store_v1_CloseSessionRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_starling_store_v1_CloseSessionResponse__Output>): grpc.ClientUnaryCall;
  CloseSession(argument: _starling_store_v1_CloseSessionRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_starling_store_v1_CloseSessionResponse__Output>): grpc.ClientUnaryCall;
  CloseSession(argument: _starling_store_v1_CloseSessionRequest, callback: grpc.requestCallback<_starling_store_v1_CloseSessionResponse__Output>): grpc.ClientUnaryCall;
  closeSession(argument: _starling_store_v1_CloseSessionRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_starling_store_v1_CloseSessionResponse__Output>): grpc.ClientUnaryCall;
  closeSession(argument: _starling_store_v1_CloseSessionRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_starling_store_v1_CloseSessionResponse__Output>): grpc.ClientUnaryCall;
  closeSession(argument: _starling_store_v1_CloseSessionRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_starling_store_v1_CloseSessionResponse__Output>): grpc.ClientUnaryCall;
  closeSession(argument: _starling_store_v1_CloseSessionRequest, callback: grpc.requestCallback<_starling_store_v1_CloseSessionResponse__Output>): grpc.ClientUnaryCall;
  
  CommitOffsets(argument: _starling_store_v1_CommitOffsetsRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_starling_store_v1_CommitOffsetsResponse__Output>): grpc.ClientUnaryCall;
  CommitOffsets(argument: _starling_store_v1_CommitOffsetsRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_starling_store_v1_CommitOffsetsResponse__Output>): grpc.ClientUnaryCall;
  CommitOffsets(argument: _starling_store_v1_CommitOffsetsRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_starling_store_v1_CommitOffsetsResponse__Output>): grpc.ClientUnaryCall;
  CommitOffsets(argument: _starling_store_v1_CommitOffsetsRequest, callback: grpc.requestCallback<_starling_store_v1_CommitOffsetsResponse__Output>): grpc.ClientUnaryCall;
  commitOffsets(argument: _starling_store_v1_CommitOffsetsRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_starling_store_v1_CommitOffsetsResponse__Output>): grpc.ClientUnaryCall;
  commitOffsets(argument: _starling_store_v1_CommitOffsetsRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_starling_store_v1_CommitOffsetsResponse__Output>): grpc.ClientUnaryCall;
  commitOffsets(argument: _starling_store_v1_CommitOffsetsRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_starling_store_v1_CommitOffsetsResponse__Output>): grpc.ClientUnaryCall;
  commitOffsets(argument: _starling_store_v1_CommitOffsetsRequest, callback: grpc.requestCallback<_starling_store_v1_CommitOffsetsResponse__Output>): grpc.ClientUnaryCall;
  
  DeleteSession(argument: _starling_store_v1_DeleteSessionRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_starling_store_v1_DeleteSessionResponse__Output>): grpc.ClientUnaryCall;
  DeleteSession(argument: _starling_store_v1_DeleteSessionRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_starling_store_v1_DeleteSessionResponse__Output>): grpc.ClientUnaryCall;
  DeleteSession(argument: _starling_store_v1_DeleteSessionRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_starling_store_v1_DeleteSessionResponse__Output>): grpc.ClientUnaryCall;
  DeleteSession(argument: _starling_store_v1_DeleteSessionRequest, callback: grpc.requestCallback<_starling_store_v1_DeleteSessionResponse__Output>): grpc.ClientUnaryCall;
  deleteSession(argument: _starling_store_v1_DeleteSessionRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_starling_store_v1_DeleteSessionResponse__Output>): grpc.ClientUnaryCall;
  deleteSession(argument: _starling_store_v1_DeleteSessionRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_starling_store_v1_DeleteSessionResponse__Output>): grpc.ClientUnaryCall;
  deleteSession(argument: _starling_store_v1_DeleteSessionRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_starling_store_v1_DeleteSessionResponse__Output>): grpc.ClientUnaryCall;
  deleteSession(argument: _starling_store_v1_DeleteSessionRequest, callback: grpc.requestCallback<_starling_store_v1_DeleteSessionResponse__Output>): grpc.ClientUnaryCall;
  
  FetchOffsets(argument: _starling_store_v1_FetchOffsetsRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_starling_store_v1_FetchOffsetsResponse__Output>): grpc.ClientUnaryCall;
  FetchOffsets(argument: _starling_store_v1_FetchOffsetsRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_starling_store_v1_FetchOffsetsResponse__Output>): grpc.ClientUnaryCall;
  FetchOffsets(argument: _starling_store_v1_FetchOffsetsRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_starling_store_v1_FetchOffsetsResponse__Output>): grpc.ClientUnaryCall;
  FetchOffsets(argument: _starling_store_v1_FetchOffsetsRequest, callback: grpc.requestCallback<_starling_store_v1_FetchOffsetsResponse__Output>): grpc.ClientUnaryCall;
  fetchOffsets(argument: _starling_store_v1_FetchOffsetsRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_starling_store_v1_FetchOffsetsResponse__Output>): grpc.ClientUnaryCall;
  fetchOffsets(argument: _starling_store_v1_FetchOffsetsRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_starling_store_v1_FetchOffsetsResponse__Output>): grpc.ClientUnaryCall;
  fetchOffsets(argument: _starling_store_v1_FetchOffsetsRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_starling_store_v1_FetchOffsetsResponse__Output>): grpc.ClientUnaryCall;
  fetchOffsets(argument: _starling_store_v1_FetchOffsetsRequest, callback: grpc.requestCallback<_starling_store_v1_FetchOffsetsResponse__Output>): grpc.ClientUnaryCall;
  
  GetSession(argument: _starling_store_v1_GetSessionRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_starling_store_v1_GetSessionResponse__Output>): grpc.ClientUnaryCall;
  GetSession(argument: _starling_store_v1_GetSessionRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_starling_store_v1_GetSessionResponse__Output>): grpc.ClientUnaryCall;
  GetSession(argument: _starling_store_v1_GetSessionRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_starling_store_v1_GetSessionResponse__Output>): grpc.ClientUnaryCall;
  GetSession(argument: _starling_store_v1_GetSessionRequest, callback: grpc.requestCallback<_starling_store_v1_GetSessionResponse__Output>): grpc.ClientUnaryCall;
  getSession(argument: _starling_store_v1_GetSessionRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_starling_store_v1_GetSessionResponse__Output>): grpc.ClientUnaryCall;
  getSession(argument: _starling_store_v1_GetSessionRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_starling_store_v1_GetSessionResponse__Output>): grpc.ClientUnaryCall;
  getSession(argument: _starling_store_v1_GetSessionRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_starling_store_v1_GetSessionResponse__Output>): grpc.ClientUnaryCall;
  getSession(argument: _starling_store_v1_GetSessionRequest, callback: grpc.requestCallback<_starling_store_v1_GetSessionResponse__Output>): grpc.ClientUnaryCall;
  
  GetShardInfo(argument: _starling_store_v1_GetShardInfoRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_starling_store_v1_GetShardInfoResponse__Output>): grpc.ClientUnaryCall;
  GetShardInfo(argument: _starling_store_v1_GetShardInfoRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_starling_store_v1_GetShardInfoResponse__Output>): grpc.ClientUnaryCall;
  GetShardInfo(argument: _starling_store_v1_GetShardInfoRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_starling_store_v1_GetShardInfoResponse__Output>): grpc.ClientUnaryCall;
  GetShardInfo(argument: _starling_store_v1_GetShardInfoRequest, callback: grpc.requestCallback<_starling_store_v1_GetShardInfoResponse__Output>): grpc.ClientUnaryCall;
  getShardInfo(argument: _starling_store_v1_GetShardInfoRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_starling_store_v1_GetShardInfoResponse__Output>): grpc.ClientUnaryCall;
  getShardInfo(argument: _starling_store_v1_GetShardInfoRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_starling_store_v1_GetShardInfoResponse__Output>): grpc.ClientUnaryCall;
  getShardInfo(argument: _starling_store_v1_GetShardInfoRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_starling_store_v1_GetShardInfoResponse__Output>): grpc.ClientUnaryCall;
  getShardInfo(argument: _starling_store_v1_GetShardInfoRequest, callback: grpc.requestCallback<_starling_store_v1_GetShardInfoResponse__Output>): grpc.ClientUnaryCall;
  
  ListRetained(argument: _starling_store_v1_ListRetainedRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_starling_store_v1_ListRetainedResponse__Output>): grpc.ClientUnaryCall;
  ListRetained(argument: _starling_store_v1_ListRetainedRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_starling_store_v1_ListRetainedResponse__Output>): grpc.ClientUnaryCall;
  ListRetained(argument: _starling_store_v1_ListRetainedRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_starling_store_v1_ListRetainedResponse__Output>): grpc.ClientUnaryCall;
  ListRetained(argument: _starling_store_v1_ListRetainedRequest, callback: grpc.requestCallback<_starling_store_v1_ListRetainedResponse__Output>): grpc.ClientUnaryCall;
  listRetained(argument: _starling_store_v1_ListRetainedRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_starling_store_v1_ListRetainedResponse__Output>): grpc.ClientUnaryCall;
  listRetained(argument: _starling_store_v1_ListRetainedRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_starling_store_v1_ListRetainedResponse__Output>): grpc.ClientUnaryCall;
  listRetained(argument: _starling_store_v1_ListRetainedRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_starling_store_v1_ListRetainedResponse__Output>): grpc.ClientUnaryCall;
  listRetained(argument: _starling_store_v1_ListRetainedRequest, callback: grpc.requestCallback<_starling_store_v1_ListRetainedResponse__Output>): grpc.ClientUnaryCall;
  
  MatchRetained(argument: _starling_store_v1_MatchRetainedRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_starling_store_v1_MatchRetainedResponse__Output>): grpc.ClientUnaryCall;
  MatchRetained(argument: _starling_store_v1_MatchRetainedRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_starling_store_v1_MatchRetainedResponse__Output>): grpc.ClientUnaryCall;
  MatchRetained(argument: _starling_store_v1_MatchRetainedRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_starling_store_v1_MatchRetainedResponse__Output>): grpc.ClientUnaryCall;
  MatchRetained(argument: _starling_store_v1_MatchRetainedRequest, callback: grpc.requestCallback<_starling_store_v1_MatchRetainedResponse__Output>): grpc.ClientUnaryCall;
  matchRetained(argument: _starling_store_v1_MatchRetainedRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_starling_store_v1_MatchRetainedResponse__Output>): grpc.ClientUnaryCall;
  matchRetained(argument: _starling_store_v1_MatchRetainedRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_starling_store_v1_MatchRetainedResponse__Output>): grpc.ClientUnaryCall;
  matchRetained(argument: _starling_store_v1_MatchRetainedRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_starling_store_v1_MatchRetainedResponse__Output>): grpc.ClientUnaryCall;
  matchRetained(argument: _starling_store_v1_MatchRetainedRequest, callback: grpc.requestCallback<_starling_store_v1_MatchRetainedResponse__Output>): grpc.ClientUnaryCall;
  
  OpenSession(argument: _starling_store_v1_OpenSessionRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_starling_store_v1_OpenSessionResponse__Output>): grpc.ClientUnaryCall;
  OpenSession(argument: _starling_store_v1_OpenSessionRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_starling_store_v1_OpenSessionResponse__Output>): grpc.ClientUnaryCall;
  OpenSession(argument: _starling_store_v1_OpenSessionRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_starling_store_v1_OpenSessionResponse__Output>): grpc.ClientUnaryCall;
  OpenSession(argument: _starling_store_v1_OpenSessionRequest, callback: grpc.requestCallback<_starling_store_v1_OpenSessionResponse__Output>): grpc.ClientUnaryCall;
  openSession(argument: _starling_store_v1_OpenSessionRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_starling_store_v1_OpenSessionResponse__Output>): grpc.ClientUnaryCall;
  openSession(argument: _starling_store_v1_OpenSessionRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_starling_store_v1_OpenSessionResponse__Output>): grpc.ClientUnaryCall;
  openSession(argument: _starling_store_v1_OpenSessionRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_starling_store_v1_OpenSessionResponse__Output>): grpc.ClientUnaryCall;
  openSession(argument: _starling_store_v1_OpenSessionRequest, callback: grpc.requestCallback<_starling_store_v1_OpenSessionResponse__Output>): grpc.ClientUnaryCall;
  
  PullMessages(argument: _starling_store_v1_PullMessagesRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_starling_store_v1_PullMessagesResponse__Output>): grpc.ClientUnaryCall;
  PullMessages(argument: _starling_store_v1_PullMessagesRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_starling_store_v1_PullMessagesResponse__Output>): grpc.ClientUnaryCall;
  PullMessages(argument: _starling_store_v1_PullMessagesRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_starling_store_v1_PullMessagesResponse__Output>): grpc.ClientUnaryCall;
  PullMessages(argument: _starling_store_v1_PullMessagesRequest, callback: grpc.requestCallback<_starling_store_v1_PullMessagesResponse__Output>): grpc.ClientUnaryCall;
  pullMessages(argument: _starling_store_v1_PullMessagesRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_starling_store_v1_PullMessagesResponse__Output>): grpc.ClientUnaryCall;
  pullMessages(argument: _starling_store_v1_PullMessagesRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_starling_store_v1_PullMessagesResponse__Output>): grpc.ClientUnaryCall;
  pullMessages(argument: _starling_store_v1_PullMessagesRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_starling_store_v1_PullMessagesResponse__Output>): grpc.ClientUnaryCall;
  pullMessages(argument: _starling_store_v1_PullMessagesRequest, callback: grpc.requestCallback<_starling_store_v1_PullMessagesResponse__Output>): grpc.ClientUnaryCall;
  
  RegisterFilter(argument: _starling_store_v1_RegisterFilterRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_starling_store_v1_RegisterFilterResponse__Output>): grpc.ClientUnaryCall;
  RegisterFilter(argument: _starling_store_v1_RegisterFilterRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_starling_store_v1_RegisterFilterResponse__Output>): grpc.ClientUnaryCall;
  RegisterFilter(argument: _starling_store_v1_RegisterFilterRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_starling_store_v1_RegisterFilterResponse__Output>): grpc.ClientUnaryCall;
  RegisterFilter(argument: _starling_store_v1_RegisterFilterRequest, callback: grpc.requestCallback<_starling_store_v1_RegisterFilterResponse__Output>): grpc.ClientUnaryCall;
  registerFilter(argument: _starling_store_v1_RegisterFilterRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_starling_store_v1_RegisterFilterResponse__Output>): grpc.ClientUnaryCall;
  registerFilter(argument: _starling_store_v1_RegisterFilterRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_starling_store_v1_RegisterFilterResponse__Output>): grpc.ClientUnaryCall;
  registerFilter(argument: _starling_store_v1_RegisterFilterRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_starling_store_v1_RegisterFilterResponse__Output>): grpc.ClientUnaryCall;
  registerFilter(argument: _starling_store_v1_RegisterFilterRequest, callback: grpc.requestCallback<_starling_store_v1_RegisterFilterResponse__Output>): grpc.ClientUnaryCall;
  
  RenewOwnerLease(argument: _starling_store_v1_RenewOwnerLeaseRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_starling_store_v1_RenewOwnerLeaseResponse__Output>): grpc.ClientUnaryCall;
  RenewOwnerLease(argument: _starling_store_v1_RenewOwnerLeaseRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_starling_store_v1_RenewOwnerLeaseResponse__Output>): grpc.ClientUnaryCall;
  RenewOwnerLease(argument: _starling_store_v1_RenewOwnerLeaseRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_starling_store_v1_RenewOwnerLeaseResponse__Output>): grpc.ClientUnaryCall;
  RenewOwnerLease(argument: _starling_store_v1_RenewOwnerLeaseRequest, callback: grpc.requestCallback<_starling_store_v1_RenewOwnerLeaseResponse__Output>): grpc.ClientUnaryCall;
  renewOwnerLease(argument: _starling_store_v1_RenewOwnerLeaseRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_starling_store_v1_RenewOwnerLeaseResponse__Output>): grpc.ClientUnaryCall;
  renewOwnerLease(argument: _starling_store_v1_RenewOwnerLeaseRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_starling_store_v1_RenewOwnerLeaseResponse__Output>): grpc.ClientUnaryCall;
  renewOwnerLease(argument: _starling_store_v1_RenewOwnerLeaseRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_starling_store_v1_RenewOwnerLeaseResponse__Output>): grpc.ClientUnaryCall;
  renewOwnerLease(argument: _starling_store_v1_RenewOwnerLeaseRequest, callback: grpc.requestCallback<_starling_store_v1_RenewOwnerLeaseResponse__Output>): grpc.ClientUnaryCall;
  
  UnregisterFilter(argument: _starling_store_v1_UnregisterFilterRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_starling_store_v1_UnregisterFilterResponse__Output>): grpc.ClientUnaryCall;
  UnregisterFilter(argument: _starling_store_v1_UnregisterFilterRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_starling_store_v1_UnregisterFilterResponse__Output>): grpc.ClientUnaryCall;
  UnregisterFilter(argument: _starling_store_v1_UnregisterFilterRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_starling_store_v1_UnregisterFilterResponse__Output>): grpc.ClientUnaryCall;
  UnregisterFilter(argument: _starling_store_v1_UnregisterFilterRequest, callback: grpc.requestCallback<_starling_store_v1_UnregisterFilterResponse__Output>): grpc.ClientUnaryCall;
  unregisterFilter(argument: _starling_store_v1_UnregisterFilterRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_starling_store_v1_UnregisterFilterResponse__Output>): grpc.ClientUnaryCall;
  unregisterFilter(argument: _starling_store_v1_UnregisterFilterRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_starling_store_v1_UnregisterFilterResponse__Output>): grpc.ClientUnaryCall;
  unregisterFilter(argument: _starling_store_v1_UnregisterFilterRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_starling_store_v1_UnregisterFilterResponse__Output>): grpc.ClientUnaryCall;
  unregisterFilter(argument: _starling_store_v1_UnregisterFilterRequest, callback: grpc.requestCallback<_starling_store_v1_UnregisterFilterResponse__Output>): grpc.ClientUnaryCall;
  
  UpdateSession(argument: _starling_store_v1_UpdateSessionRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_starling_store_v1_UpdateSessionResponse__Output>): grpc.ClientUnaryCall;
  UpdateSession(argument: _starling_store_v1_UpdateSessionRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_starling_store_v1_UpdateSessionResponse__Output>): grpc.ClientUnaryCall;
  UpdateSession(argument: _starling_store_v1_UpdateSessionRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_starling_store_v1_UpdateSessionResponse__Output>): grpc.ClientUnaryCall;
  UpdateSession(argument: _starling_store_v1_UpdateSessionRequest, callback: grpc.requestCallback<_starling_store_v1_UpdateSessionResponse__Output>): grpc.ClientUnaryCall;
  updateSession(argument: _starling_store_v1_UpdateSessionRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_starling_store_v1_UpdateSessionResponse__Output>): grpc.ClientUnaryCall;
  updateSession(argument: _starling_store_v1_UpdateSessionRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_starling_store_v1_UpdateSessionResponse__Output>): grpc.ClientUnaryCall;
  updateSession(argument: _starling_store_v1_UpdateSessionRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_starling_store_v1_UpdateSessionResponse__Output>): grpc.ClientUnaryCall;
  updateSession(argument: _starling_store_v1_UpdateSessionRequest, callback: grpc.requestCallback<_starling_store_v1_UpdateSessionResponse__Output>): grpc.ClientUnaryCall;
  
  WatchArrivals(argument: _starling_store_v1_WatchArrivalsRequest, metadata: grpc.Metadata, options?: grpc.CallOptions): grpc.ClientReadableStream<_starling_store_v1_WatchArrivalsResponse__Output>;
  WatchArrivals(argument: _starling_store_v1_WatchArrivalsRequest, options?: grpc.CallOptions): grpc.ClientReadableStream<_starling_store_v1_WatchArrivalsResponse__Output>;
  watchArrivals(argument: _starling_store_v1_WatchArrivalsRequest, metadata: grpc.Metadata, options?: grpc.CallOptions): grpc.ClientReadableStream<_starling_store_v1_WatchArrivalsResponse__Output>;
  watchArrivals(argument: _starling_store_v1_WatchArrivalsRequest, options?: grpc.CallOptions): grpc.ClientReadableStream<_starling_store_v1_WatchArrivalsResponse__Output>;
  
}

export interface StoreServiceHandlers extends grpc.UntypedServiceImplementation {
  AppendMessages: grpc.handleUnaryCall<_starling_store_v1_AppendMessagesRequest__Output, _starling_store_v1_AppendMessagesResponse>;
  
  AppendStream: grpc.handleBidiStreamingCall<_starling_store_v1_AppendStreamRequest__Output, _starling_store_v1_AppendStreamResponse>;
  
  CloseSession: grpc.handleUnaryCall<_starling_store_v1_CloseSessionRequest__Output, _starling_store_v1_CloseSessionResponse>;
  
  CommitOffsets: grpc.handleUnaryCall<_starling_store_v1_CommitOffsetsRequest__Output, _starling_store_v1_CommitOffsetsResponse>;
  
  DeleteSession: grpc.handleUnaryCall<_starling_store_v1_DeleteSessionRequest__Output, _starling_store_v1_DeleteSessionResponse>;
  
  FetchOffsets: grpc.handleUnaryCall<_starling_store_v1_FetchOffsetsRequest__Output, _starling_store_v1_FetchOffsetsResponse>;
  
  GetSession: grpc.handleUnaryCall<_starling_store_v1_GetSessionRequest__Output, _starling_store_v1_GetSessionResponse>;
  
  GetShardInfo: grpc.handleUnaryCall<_starling_store_v1_GetShardInfoRequest__Output, _starling_store_v1_GetShardInfoResponse>;
  
  ListRetained: grpc.handleUnaryCall<_starling_store_v1_ListRetainedRequest__Output, _starling_store_v1_ListRetainedResponse>;
  
  MatchRetained: grpc.handleUnaryCall<_starling_store_v1_MatchRetainedRequest__Output, _starling_store_v1_MatchRetainedResponse>;
  
  OpenSession: grpc.handleUnaryCall<_starling_store_v1_OpenSessionRequest__Output, _starling_store_v1_OpenSessionResponse>;
  
  PullMessages: grpc.handleUnaryCall<_starling_store_v1_PullMessagesRequest__Output, _starling_store_v1_PullMessagesResponse>;
  
  RegisterFilter: grpc.handleUnaryCall<_starling_store_v1_RegisterFilterRequest__Output, _starling_store_v1_RegisterFilterResponse>;
  
  RenewOwnerLease: grpc.handleUnaryCall<_starling_store_v1_RenewOwnerLeaseRequest__Output, _starling_store_v1_RenewOwnerLeaseResponse>;
  
  UnregisterFilter: grpc.handleUnaryCall<_starling_store_v1_UnregisterFilterRequest__Output, _starling_store_v1_UnregisterFilterResponse>;
  
  UpdateSession: grpc.handleUnaryCall<_starling_store_v1_UpdateSessionRequest__Output, _starling_store_v1_UpdateSessionResponse>;
  
  WatchArrivals: grpc.handleServerStreamingCall<_starling_store_v1_WatchArrivalsRequest__Output, _starling_store_v1_WatchArrivalsResponse>;
  
}

export interface StoreServiceDefinition extends grpc.ServiceDefinition {
  AppendMessages: MethodDefinition<_starling_store_v1_AppendMessagesRequest, _starling_store_v1_AppendMessagesResponse, _starling_store_v1_AppendMessagesRequest__Output, _starling_store_v1_AppendMessagesResponse__Output>
  AppendStream: MethodDefinition<_starling_store_v1_AppendStreamRequest, _starling_store_v1_AppendStreamResponse, _starling_store_v1_AppendStreamRequest__Output, _starling_store_v1_AppendStreamResponse__Output>
  CloseSession: MethodDefinition<_starling_store_v1_CloseSessionRequest, _starling_store_v1_CloseSessionResponse, _starling_store_v1_CloseSessionRequest__Output, _starling_store_v1_CloseSessionResponse__Output>
  CommitOffsets: MethodDefinition<_starling_store_v1_CommitOffsetsRequest, _starling_store_v1_CommitOffsetsResponse, _starling_store_v1_CommitOffsetsRequest__Output, _starling_store_v1_CommitOffsetsResponse__Output>
  DeleteSession: MethodDefinition<_starling_store_v1_DeleteSessionRequest, _starling_store_v1_DeleteSessionResponse, _starling_store_v1_DeleteSessionRequest__Output, _starling_store_v1_DeleteSessionResponse__Output>
  FetchOffsets: MethodDefinition<_starling_store_v1_FetchOffsetsRequest, _starling_store_v1_FetchOffsetsResponse, _starling_store_v1_FetchOffsetsRequest__Output, _starling_store_v1_FetchOffsetsResponse__Output>
  GetSession: MethodDefinition<_starling_store_v1_GetSessionRequest, _starling_store_v1_GetSessionResponse, _starling_store_v1_GetSessionRequest__Output, _starling_store_v1_GetSessionResponse__Output>
  GetShardInfo: MethodDefinition<_starling_store_v1_GetShardInfoRequest, _starling_store_v1_GetShardInfoResponse, _starling_store_v1_GetShardInfoRequest__Output, _starling_store_v1_GetShardInfoResponse__Output>
  ListRetained: MethodDefinition<_starling_store_v1_ListRetainedRequest, _starling_store_v1_ListRetainedResponse, _starling_store_v1_ListRetainedRequest__Output, _starling_store_v1_ListRetainedResponse__Output>
  MatchRetained: MethodDefinition<_starling_store_v1_MatchRetainedRequest, _starling_store_v1_MatchRetainedResponse, _starling_store_v1_MatchRetainedRequest__Output, _starling_store_v1_MatchRetainedResponse__Output>
  OpenSession: MethodDefinition<_starling_store_v1_OpenSessionRequest, _starling_store_v1_OpenSessionResponse, _starling_store_v1_OpenSessionRequest__Output, _starling_store_v1_OpenSessionResponse__Output>
  PullMessages: MethodDefinition<_starling_store_v1_PullMessagesRequest, _starling_store_v1_PullMessagesResponse, _starling_store_v1_PullMessagesRequest__Output, _starling_store_v1_PullMessagesResponse__Output>
  RegisterFilter: MethodDefinition<_starling_store_v1_RegisterFilterRequest, _starling_store_v1_RegisterFilterResponse, _starling_store_v1_RegisterFilterRequest__Output, _starling_store_v1_RegisterFilterResponse__Output>
  RenewOwnerLease: MethodDefinition<_starling_store_v1_RenewOwnerLeaseRequest, _starling_store_v1_RenewOwnerLeaseResponse, _starling_store_v1_RenewOwnerLeaseRequest__Output, _starling_store_v1_RenewOwnerLeaseResponse__Output>
  UnregisterFilter: MethodDefinition<_starling_store_v1_UnregisterFilterRequest, _starling_store_v1_UnregisterFilterResponse, _starling_store_v1_UnregisterFilterRequest__Output, _starling_store_v1_UnregisterFilterResponse__Output>
  UpdateSession: MethodDefinition<_starling_store_v1_UpdateSessionRequest, _starling_store_v1_UpdateSessionResponse, _starling_store_v1_UpdateSessionRequest__Output, _starling_store_v1_UpdateSessionResponse__Output>
  WatchArrivals: MethodDefinition<_starling_store_v1_WatchArrivalsRequest, _starling_store_v1_WatchArrivalsResponse, _starling_store_v1_WatchArrivalsRequest__Output, _starling_store_v1_WatchArrivalsResponse__Output>
}

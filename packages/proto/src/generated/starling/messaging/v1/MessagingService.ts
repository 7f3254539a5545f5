// Original file: ../../proto/starling/messaging/v1/messaging.proto

import type * as grpc from '@grpc/grpc-js'
import type { MethodDefinition } from '@grpc/proto-loader'
import type { CommitConsumerOffsetsRequest as _starling_messaging_v1_CommitConsumerOffsetsRequest, CommitConsumerOffsetsRequest__Output as _starling_messaging_v1_CommitConsumerOffsetsRequest__Output } from '../../../starling/messaging/v1/CommitConsumerOffsetsRequest';
import type { CommitConsumerOffsetsResponse as _starling_messaging_v1_CommitConsumerOffsetsResponse, CommitConsumerOffsetsResponse__Output as _starling_messaging_v1_CommitConsumerOffsetsResponse__Output } from '../../../starling/messaging/v1/CommitConsumerOffsetsResponse';
import type { ConsumeMessagesRequest as _starling_messaging_v1_ConsumeMessagesRequest, ConsumeMessagesRequest__Output as _starling_messaging_v1_ConsumeMessagesRequest__Output } from '../../../starling/messaging/v1/ConsumeMessagesRequest';
import type { ConsumeMessagesResponse as _starling_messaging_v1_ConsumeMessagesResponse, ConsumeMessagesResponse__Output as _starling_messaging_v1_ConsumeMessagesResponse__Output } from '../../../starling/messaging/v1/ConsumeMessagesResponse';
import type { FetchConsumerOffsetsRequest as _starling_messaging_v1_FetchConsumerOffsetsRequest, FetchConsumerOffsetsRequest__Output as _starling_messaging_v1_FetchConsumerOffsetsRequest__Output } from '../../../starling/messaging/v1/FetchConsumerOffsetsRequest';
import type { FetchConsumerOffsetsResponse as _starling_messaging_v1_FetchConsumerOffsetsResponse, FetchConsumerOffsetsResponse__Output as _starling_messaging_v1_FetchConsumerOffsetsResponse__Output } from '../../../starling/messaging/v1/FetchConsumerOffsetsResponse';
import type { ProduceMessagesRequest as _starling_messaging_v1_ProduceMessagesRequest, ProduceMessagesRequest__Output as _starling_messaging_v1_ProduceMessagesRequest__Output } from '../../../starling/messaging/v1/ProduceMessagesRequest';
import type { ProduceMessagesResponse as _starling_messaging_v1_ProduceMessagesResponse, ProduceMessagesResponse__Output as _starling_messaging_v1_ProduceMessagesResponse__Output } from '../../../starling/messaging/v1/ProduceMessagesResponse';

export interface MessagingServiceClient extends grpc.Client {
  CommitConsumerOffsets(argument: _starling_messaging_v1_CommitConsumerOffsetsRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_starling_messaging_v1_CommitConsumerOffsetsResponse__Output>): grpc.ClientUnaryCall;
  CommitConsumerOffsets(argument: _starling_messaging_v1_CommitConsumerOffsetsRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_starling_messaging_v1_CommitConsumerOffsetsResponse__Output>): grpc.ClientUnaryCall;
  CommitConsumerOffsets(argument: _starling_messaging_v1_CommitConsumerOffsetsRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_starling_messaging_v1_CommitConsumerOffsetsResponse__Output>): grpc.ClientUnaryCall;
  CommitConsumerOffsets(argument: _starling_messaging_v1_CommitConsumerOffsetsRequest, callback: grpc.requestCallback<_starling_messaging_v1_CommitConsumerOffsetsResponse__Output>): grpc.ClientUnaryCall;
  commitConsumerOffsets(argument: _starling_messaging_v1_CommitConsumerOffsetsRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_starling_messaging_v1_CommitConsumerOffsetsResponse__Output>): grpc.ClientUnaryCall;
  commitConsumerOffsets(argument: _starling_messaging_v1_CommitConsumerOffsetsRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_starling_messaging_v1_CommitConsumerOffsetsResponse__Output>): grpc.ClientUnaryCall;
  commitConsumerOffsets(argument: _starling_messaging_v1_CommitConsumerOffsetsRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_starling_messaging_v1_CommitConsumerOffsetsResponse__Output>): grpc.ClientUnaryCall;
  commitConsumerOffsets(argument: _starling_messaging_v1_CommitConsumerOffsetsRequest, callback: grpc.requestCallback<_starling_messaging_v1_CommitConsumerOffsetsResponse__Output>): grpc.ClientUnaryCall;
  
  ConsumeMessages(argument: _starling_messaging_v1_ConsumeMessagesRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_starling_messaging_v1_ConsumeMessagesResponse__Output>): grpc.ClientUnaryCall;
  ConsumeMessages(argument: _starling_messaging_v1_ConsumeMessagesRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_starling_messaging_v1_ConsumeMessagesResponse__Output>): grpc.ClientUnaryCall;
  ConsumeMessages(argument: _starling_messaging_v1_ConsumeMessagesRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_starling_messaging_v1_ConsumeMessagesResponse__Output>): grpc.ClientUnaryCall;
  ConsumeMessages(argument: _starling_messaging_v1_ConsumeMessagesRequest, callback: grpc.requestCallback<_starling_messaging_v1_ConsumeMessagesResponse__Output>): grpc.ClientUnaryCall;
  consumeMessages(argument: _starling_messaging_v1_ConsumeMessagesRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_starling_messaging_v1_ConsumeMessagesResponse__Output>): grpc.ClientUnaryCall;
  consumeMessages(argument: _starling_messaging_v1_ConsumeMessagesRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_starling_messaging_v1_ConsumeMessagesResponse__Output>): grpc.ClientUnaryCall;
  consumeMessages(argument: _starling_messaging_v1_ConsumeMessagesRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_starling_messaging_v1_ConsumeMessagesResponse__Output>): grpc.ClientUnaryCall;
  consumeMessages(argument: _starling_messaging_v1_ConsumeMessagesRequest, callback: grpc.requestCallback<_starling_messaging_v1_ConsumeMessagesResponse__Output>): grpc.ClientUnaryCall;
  
  FetchConsumerOffsets(argument: _starling_messaging_v1_FetchConsumerOffsetsRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_starling_messaging_v1_FetchConsumerOffsetsResponse__Output>): grpc.ClientUnaryCall;
  FetchConsumerOffsets(argument: _starling_messaging_v1_FetchConsumerOffsetsRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_starling_messaging_v1_FetchConsumerOffsetsResponse__Output>): grpc.ClientUnaryCall;
  FetchConsumerOffsets(argument: _starling_messaging_v1_FetchConsumerOffsetsRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_starling_messaging_v1_FetchConsumerOffsetsResponse__Output>): grpc.ClientUnaryCall;
  FetchConsumerOffsets(argument: _starling_messaging_v1_FetchConsumerOffsetsRequest, callback: grpc.requestCallback<_starling_messaging_v1_FetchConsumerOffsetsResponse__Output>): grpc.ClientUnaryCall;
  fetchConsumerOffsets(argument: _starling_messaging_v1_FetchConsumerOffsetsRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_starling_messaging_v1_FetchConsumerOffsetsResponse__Output>): grpc.ClientUnaryCall;
  fetchConsumerOffsets(argument: _starling_messaging_v1_FetchConsumerOffsetsRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_starling_messaging_v1_FetchConsumerOffsetsResponse__Output>): grpc.ClientUnaryCall;
  fetchConsumerOffsets(argument: _starling_messaging_v1_FetchConsumerOffsetsRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_starling_messaging_v1_FetchConsumerOffsetsResponse__Output>): grpc.ClientUnaryCall;
  fetchConsumerOffsets(argument: _starling_messaging_v1_FetchConsumerOffsetsRequest, callback: grpc.requestCallback<_starling_messaging_v1_FetchConsumerOffsetsResponse__Output>): grpc.ClientUnaryCall;
  
  ProduceMessages(argument: _starling_messaging_v1_ProduceMessagesRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_starling_messaging_v1_ProduceMessagesResponse__Output>): grpc.ClientUnaryCall;
  ProduceMessages(argument: _starling_messaging_v1_ProduceMessagesRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_starling_messaging_v1_ProduceMessagesResponse__Output>): grpc.ClientUnaryCall;
  ProduceMessages(argument: _starling_messaging_v1_ProduceMessagesRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_starling_messaging_v1_ProduceMessagesResponse__Output>): grpc.ClientUnaryCall;
  ProduceMessages(argument: _starling_messaging_v1_ProduceMessagesRequest, callback: grpc.requestCallback<_starling_messaging_v1_ProduceMessagesResponse__Output>): grpc.ClientUnaryCall;
  produceMessages(argument: _starling_messaging_v1_ProduceMessagesRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_starling_messaging_v1_ProduceMessagesResponse__Output>): grpc.ClientUnaryCall;
  produceMessages(argument: _starling_messaging_v1_ProduceMessagesRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_starling_messaging_v1_ProduceMessagesResponse__Output>): grpc.ClientUnaryCall;
  produceMessages(argument: _starling_messaging_v1_ProduceMessagesRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_starling_messaging_v1_ProduceMessagesResponse__Output>): grpc.ClientUnaryCall;
  produceMessages(argument: _starling_messaging_v1_ProduceMessagesRequest, callback: grpc.requestCallback<_starling_messaging_v1_ProduceMessagesResponse__Output>): grpc.ClientUnaryCall;
  
}

export interface MessagingServiceHandlers extends grpc.UntypedServiceImplementation {
  CommitConsumerOffsets: grpc.handleUnaryCall<_starling_messaging_v1_CommitConsumerOffsetsRequest__Output, _starling_messaging_v1_CommitConsumerOffsetsResponse>;
  
  ConsumeMessages: grpc.handleUnaryCall<_starling_messaging_v1_ConsumeMessagesRequest__Output, _starling_messaging_v1_ConsumeMessagesResponse>;
  
  FetchConsumerOffsets: grpc.handleUnaryCall<_starling_messaging_v1_FetchConsumerOffsetsRequest__Output, _starling_messaging_v1_FetchConsumerOffsetsResponse>;
  
  ProduceMessages: grpc.handleUnaryCall<_starling_messaging_v1_ProduceMessagesRequest__Output, _starling_messaging_v1_ProduceMessagesResponse>;
  
}

export interface MessagingServiceDefinition extends grpc.ServiceDefinition {
  CommitConsumerOffsets: MethodDefinition<_starling_messaging_v1_CommitConsumerOffsetsRequest, _starling_messaging_v1_CommitConsumerOffsetsResponse, _starling_messaging_v1_CommitConsumerOffsetsRequest__Output, _starling_messaging_v1_CommitConsumerOffsetsResponse__Output>
  ConsumeMessages: MethodDefinition<_starling_messaging_v1_ConsumeMessagesRequest, _starling_messaging_v1_ConsumeMessagesResponse, _starling_messaging_v1_ConsumeMessagesRequest__Output, _starling_messaging_v1_ConsumeMessagesResponse__Output>
  FetchConsumerOffsets: MethodDefinition<_starling_messaging_v1_FetchConsumerOffsetsRequest, _starling_messaging_v1_FetchConsumerOffsetsResponse, _starling_messaging_v1_FetchConsumerOffsetsRequest__Output, _starling_messaging_v1_FetchConsumerOffsetsResponse__Output>
  ProduceMessages: MethodDefinition<_starling_messaging_v1_ProduceMessagesRequest, _starling_messaging_v1_ProduceMessagesResponse, _starling_messaging_v1_ProduceMessagesRequest__Output, _starling_messaging_v1_ProduceMessagesResponse__Output>
}

import type * as grpc from '@grpc/grpc-js';
import type { EnumTypeDefinition, MessageTypeDefinition } from '@grpc/proto-loader';

import type { CommitConsumerOffsetsRequest as _starling_messaging_v1_CommitConsumerOffsetsRequest, CommitConsumerOffsetsRequest__Output as _starling_messaging_v1_CommitConsumerOffsetsRequest__Output } from './starling/messaging/v1/CommitConsumerOffsetsRequest';
import type { CommitConsumerOffsetsResponse as _starling_messaging_v1_CommitConsumerOffsetsResponse, CommitConsumerOffsetsResponse__Output as _starling_messaging_v1_CommitConsumerOffsetsResponse__Output } from './starling/messaging/v1/CommitConsumerOffsetsResponse';
import type { ConsumeMessagesRequest as _starling_messaging_v1_ConsumeMessagesRequest, ConsumeMessagesRequest__Output as _starling_messaging_v1_ConsumeMessagesRequest__Output } from './starling/messaging/v1/ConsumeMessagesRequest';
import type { ConsumeMessagesResponse as _starling_messaging_v1_ConsumeMessagesResponse, ConsumeMessagesResponse__Output as _starling_messaging_v1_ConsumeMessagesResponse__Output } from './starling/messaging/v1/ConsumeMessagesResponse';
import type { ConsumedMessage as _starling_messaging_v1_ConsumedMessage, ConsumedMessage__Output as _starling_messaging_v1_ConsumedMessage__Output } from './starling/messaging/v1/ConsumedMessage';
import type { FetchConsumerOffsetsRequest as _starling_messaging_v1_FetchConsumerOffsetsRequest, FetchConsumerOffsetsRequest__Output as _starling_messaging_v1_FetchConsumerOffsetsRequest__Output } from './starling/messaging/v1/FetchConsumerOffsetsRequest';
import type { FetchConsumerOffsetsResponse as _starling_messaging_v1_FetchConsumerOffsetsResponse, FetchConsumerOffsetsResponse__Output as _starling_messaging_v1_FetchConsumerOffsetsResponse__Output } from './starling/messaging/v1/FetchConsumerOffsetsResponse';
import type { Header as _starling_messaging_v1_Header, Header__Output as _starling_messaging_v1_Header__Output } from './starling/messaging/v1/Header';
import type { MessagingServiceClient as _starling_messaging_v1_MessagingServiceClient, MessagingServiceDefinition as _starling_messaging_v1_MessagingServiceDefinition } from './starling/messaging/v1/MessagingService';
import type { ProduceMessagesRequest as _starling_messaging_v1_ProduceMessagesRequest, ProduceMessagesRequest__Output as _starling_messaging_v1_ProduceMessagesRequest__Output } from './starling/messaging/v1/ProduceMessagesRequest';
import type { ProduceMessagesResponse as _starling_messaging_v1_ProduceMessagesResponse, ProduceMessagesResponse__Output as _starling_messaging_v1_ProduceMessagesResponse__Output } from './starling/messaging/v1/ProduceMessagesResponse';
import type { ProducedMessage as _starling_messaging_v1_ProducedMessage, ProducedMessage__Output as _starling_messaging_v1_ProducedMessage__Output } from './starling/messaging/v1/ProducedMessage';
import type { TopicOffset as _starling_messaging_v1_TopicOffset, TopicOffset__Output as _starling_messaging_v1_TopicOffset__Output } from './starling/messaging/v1/TopicOffset';

type SubtypeConstructor<Constructor extends new (...args: any) => any, Subtype> = {
  new(...args: ConstructorParameters<Constructor>): Subtype;
};

export interface ProtoGrpcType {
  starling: {
    messaging: {
      v1: {
        CommitConsumerOffsetsRequest: MessageTypeDefinition<_starling_messaging_v1_CommitConsumerOffsetsRequest, _starling_messaging_v1_CommitConsumerOffsetsRequest__Output>
        CommitConsumerOffsetsResponse: MessageTypeDefinition<_starling_messaging_v1_CommitConsumerOffsetsResponse, _starling_messaging_v1_CommitConsumerOffsetsResponse__Output>
        ConsumeMessagesRequest: MessageTypeDefinition<_starling_messaging_v1_ConsumeMessagesRequest, _starling_messaging_v1_ConsumeMessagesRequest__Output>
        ConsumeMessagesResponse: MessageTypeDefinition<_starling_messaging_v1_ConsumeMessagesResponse, _starling_messaging_v1_ConsumeMessagesResponse__Output>
        ConsumedMessage: MessageTypeDefinition<_starling_messaging_v1_ConsumedMessage, _starling_messaging_v1_ConsumedMessage__Output>
        FetchConsumerOffsetsRequest: MessageTypeDefinition<_starling_messaging_v1_FetchConsumerOffsetsRequest, _starling_messaging_v1_FetchConsumerOffsetsRequest__Output>
        FetchConsumerOffsetsResponse: MessageTypeDefinition<_starling_messaging_v1_FetchConsumerOffsetsResponse, _starling_messaging_v1_FetchConsumerOffsetsResponse__Output>
        Header: MessageTypeDefinition<_starling_messaging_v1_Header, _starling_messaging_v1_Header__Output>
        MessagingService: SubtypeConstructor<typeof grpc.Client, _starling_messaging_v1_MessagingServiceClient> & { service: _starling_messaging_v1_MessagingServiceDefinition }
        ProduceMessagesRequest: MessageTypeDefinition<_starling_messaging_v1_ProduceMessagesRequest, _starling_messaging_v1_ProduceMessagesRequest__Output>
        ProduceMessagesResponse: MessageTypeDefinition<_starling_messaging_v1_ProduceMessagesResponse, _starling_messaging_v1_ProduceMessagesResponse__Output>
        ProducedMessage: MessageTypeDefinition<_starling_messaging_v1_ProducedMessage, _starling_messaging_v1_ProducedMessage__Output>
        StartPosition: EnumTypeDefinition
        TopicOffset: MessageTypeDefinition<_starling_messaging_v1_TopicOffset, _starling_messaging_v1_TopicOffset__Output>
      }
    }
  }
}


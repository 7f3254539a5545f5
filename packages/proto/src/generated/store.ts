import type * as grpc from '@grpc/grpc-js';
import type { EnumTypeDefinition, MessageTypeDefinition } from '@grpc/proto-loader';

import type { AppendMessagesRequest as _starling_store_v1_AppendMessagesRequest, AppendMessagesRequest__Output as _starling_store_v1_AppendMessagesRequest__Output } from './starling/store/v1/AppendMessagesRequest';
import type { AppendMessagesResponse as _starling_store_v1_AppendMessagesResponse, AppendMessagesResponse__Output as _starling_store_v1_AppendMessagesResponse__Output } from './starling/store/v1/AppendMessagesResponse';
import type { AppendStreamRequest as _starling_store_v1_AppendStreamRequest, AppendStreamRequest__Output as _starling_store_v1_AppendStreamRequest__Output } from './starling/store/v1/AppendStreamRequest';
import type { AppendStreamResponse as _starling_store_v1_AppendStreamResponse, AppendStreamResponse__Output as _starling_store_v1_AppendStreamResponse__Output } from './starling/store/v1/AppendStreamResponse';
import type { Arrival as _starling_store_v1_Arrival, Arrival__Output as _starling_store_v1_Arrival__Output } from './starling/store/v1/Arrival';
import type { CloseSessionRequest as _starling_store_v1_CloseSessionRequest, CloseSessionRequest__Output as _starling_store_v1_CloseSessionRequest__Output } from './starling/store/v1/CloseSessionRequest';
import type { CloseSessionResponse as _starling_store_v1_CloseSessionResponse, CloseSessionResponse__Output as _starling_store_v1_CloseSessionResponse__Output } from './starling/store/v1/CloseSessionResponse';
import type { CommitOffsetsRequest as _starling_store_v1_CommitOffsetsRequest, CommitOffsetsRequest__Output as _starling_store_v1_CommitOffsetsRequest__Output } from './starling/store/v1/CommitOffsetsRequest';
import type { CommitOffsetsResponse as _starling_store_v1_CommitOffsetsResponse, CommitOffsetsResponse__Output as _starling_store_v1_CommitOffsetsResponse__Output } from './starling/store/v1/CommitOffsetsResponse';
import type { ConsumerRef as _starling_store_v1_ConsumerRef, ConsumerRef__Output as _starling_store_v1_ConsumerRef__Output } from './starling/store/v1/ConsumerRef';
import type { DeleteSessionRequest as _starling_store_v1_DeleteSessionRequest, DeleteSessionRequest__Output as _starling_store_v1_DeleteSessionRequest__Output } from './starling/store/v1/DeleteSessionRequest';
import type { DeleteSessionResponse as _starling_store_v1_DeleteSessionResponse, DeleteSessionResponse__Output as _starling_store_v1_DeleteSessionResponse__Output } from './starling/store/v1/DeleteSessionResponse';
import type { FetchOffsetsRequest as _starling_store_v1_FetchOffsetsRequest, FetchOffsetsRequest__Output as _starling_store_v1_FetchOffsetsRequest__Output } from './starling/store/v1/FetchOffsetsRequest';
import type { FetchOffsetsResponse as _starling_store_v1_FetchOffsetsResponse, FetchOffsetsResponse__Output as _starling_store_v1_FetchOffsetsResponse__Output } from './starling/store/v1/FetchOffsetsResponse';
import type { GetSessionRequest as _starling_store_v1_GetSessionRequest, GetSessionRequest__Output as _starling_store_v1_GetSessionRequest__Output } from './starling/store/v1/GetSessionRequest';
import type { GetSessionResponse as _starling_store_v1_GetSessionResponse, GetSessionResponse__Output as _starling_store_v1_GetSessionResponse__Output } from './starling/store/v1/GetSessionResponse';
import type { GetShardInfoRequest as _starling_store_v1_GetShardInfoRequest, GetShardInfoRequest__Output as _starling_store_v1_GetShardInfoRequest__Output } from './starling/store/v1/GetShardInfoRequest';
import type { GetShardInfoResponse as _starling_store_v1_GetShardInfoResponse, GetShardInfoResponse__Output as _starling_store_v1_GetShardInfoResponse__Output } from './starling/store/v1/GetShardInfoResponse';
import type { InFlight as _starling_store_v1_InFlight, InFlight__Output as _starling_store_v1_InFlight__Output } from './starling/store/v1/InFlight';
import type { ListRetainedRequest as _starling_store_v1_ListRetainedRequest, ListRetainedRequest__Output as _starling_store_v1_ListRetainedRequest__Output } from './starling/store/v1/ListRetainedRequest';
import type { ListRetainedResponse as _starling_store_v1_ListRetainedResponse, ListRetainedResponse__Output as _starling_store_v1_ListRetainedResponse__Output } from './starling/store/v1/ListRetainedResponse';
import type { MatchRetainedRequest as _starling_store_v1_MatchRetainedRequest, MatchRetainedRequest__Output as _starling_store_v1_MatchRetainedRequest__Output } from './starling/store/v1/MatchRetainedRequest';
import type { MatchRetainedResponse as _starling_store_v1_MatchRetainedResponse, MatchRetainedResponse__Output as _starling_store_v1_MatchRetainedResponse__Output } from './starling/store/v1/MatchRetainedResponse';
import type { Message as _starling_store_v1_Message, Message__Output as _starling_store_v1_Message__Output } from './starling/store/v1/Message';
import type { MessageProperties as _starling_store_v1_MessageProperties, MessageProperties__Output as _starling_store_v1_MessageProperties__Output } from './starling/store/v1/MessageProperties';
import type { OpenSessionRequest as _starling_store_v1_OpenSessionRequest, OpenSessionRequest__Output as _starling_store_v1_OpenSessionRequest__Output } from './starling/store/v1/OpenSessionRequest';
import type { OpenSessionResponse as _starling_store_v1_OpenSessionResponse, OpenSessionResponse__Output as _starling_store_v1_OpenSessionResponse__Output } from './starling/store/v1/OpenSessionResponse';
import type { PullMessagesRequest as _starling_store_v1_PullMessagesRequest, PullMessagesRequest__Output as _starling_store_v1_PullMessagesRequest__Output } from './starling/store/v1/PullMessagesRequest';
import type { PullMessagesResponse as _starling_store_v1_PullMessagesResponse, PullMessagesResponse__Output as _starling_store_v1_PullMessagesResponse__Output } from './starling/store/v1/PullMessagesResponse';
import type { QueueMessage as _starling_store_v1_QueueMessage, QueueMessage__Output as _starling_store_v1_QueueMessage__Output } from './starling/store/v1/QueueMessage';
import type { QueueOffset as _starling_store_v1_QueueOffset, QueueOffset__Output as _starling_store_v1_QueueOffset__Output } from './starling/store/v1/QueueOffset';
import type { QueueRef as _starling_store_v1_QueueRef, QueueRef__Output as _starling_store_v1_QueueRef__Output } from './starling/store/v1/QueueRef';
import type { RegisterFilterRequest as _starling_store_v1_RegisterFilterRequest, RegisterFilterRequest__Output as _starling_store_v1_RegisterFilterRequest__Output } from './starling/store/v1/RegisterFilterRequest';
import type { RegisterFilterResponse as _starling_store_v1_RegisterFilterResponse, RegisterFilterResponse__Output as _starling_store_v1_RegisterFilterResponse__Output } from './starling/store/v1/RegisterFilterResponse';
import type { RenewOwnerLeaseRequest as _starling_store_v1_RenewOwnerLeaseRequest, RenewOwnerLeaseRequest__Output as _starling_store_v1_RenewOwnerLeaseRequest__Output } from './starling/store/v1/RenewOwnerLeaseRequest';
import type { RenewOwnerLeaseResponse as _starling_store_v1_RenewOwnerLeaseResponse, RenewOwnerLeaseResponse__Output as _starling_store_v1_RenewOwnerLeaseResponse__Output } from './starling/store/v1/RenewOwnerLeaseResponse';
import type { RetainedMessage as _starling_store_v1_RetainedMessage, RetainedMessage__Output as _starling_store_v1_RetainedMessage__Output } from './starling/store/v1/RetainedMessage';
import type { Session as _starling_store_v1_Session, Session__Output as _starling_store_v1_Session__Output } from './starling/store/v1/Session';
import type { StoreServiceClient as _starling_store_v1_StoreServiceClient, StoreServiceDefinition as _starling_store_v1_StoreServiceDefinition } from './starling/store/v1/StoreService';
import type { Subscription as _starling_store_v1_Subscription, Subscription__Output as _starling_store_v1_Subscription__Output } from './starling/store/v1/Subscription';
import type { UnregisterFilterRequest as _starling_store_v1_UnregisterFilterRequest, UnregisterFilterRequest__Output as _starling_store_v1_UnregisterFilterRequest__Output } from './starling/store/v1/UnregisterFilterRequest';
import type { UnregisterFilterResponse as _starling_store_v1_UnregisterFilterResponse, UnregisterFilterResponse__Output as _starling_store_v1_UnregisterFilterResponse__Output } from './starling/store/v1/UnregisterFilterResponse';
import type { UpdateSessionRequest as _starling_store_v1_UpdateSessionRequest, UpdateSessionRequest__Output as _starling_store_v1_UpdateSessionRequest__Output } from './starling/store/v1/UpdateSessionRequest';
import type { UpdateSessionResponse as _starling_store_v1_UpdateSessionResponse, UpdateSessionResponse__Output as _starling_store_v1_UpdateSessionResponse__Output } from './starling/store/v1/UpdateSessionResponse';
import type { UserProperty as _starling_store_v1_UserProperty, UserProperty__Output as _starling_store_v1_UserProperty__Output } from './starling/store/v1/UserProperty';
import type { WatchArrivalsRequest as _starling_store_v1_WatchArrivalsRequest, WatchArrivalsRequest__Output as _starling_store_v1_WatchArrivalsRequest__Output } from './starling/store/v1/WatchArrivalsRequest';
import type { WatchArrivalsResponse as _starling_store_v1_WatchArrivalsResponse, WatchArrivalsResponse__Output as _starling_store_v1_WatchArrivalsResponse__Output } from './starling/store/v1/WatchArrivalsResponse';
import type { Will as _starling_store_v1_Will, Will__Output as _starling_store_v1_Will__Output } from './starling/store/v1/Will';

type SubtypeConstructor<Constructor extends new (...args: any) => any, Subtype> = {
  new(...args: ConstructorParameters<Constructor>): Subtype;
};

export interface ProtoGrpcType {
  starling: {
    store: {
      v1: {
        AppendMessagesRequest: MessageTypeDefinition<_starling_store_v1_AppendMessagesRequest, _starling_store_v1_AppendMessagesRequest__Output>
        AppendMessagesResponse: MessageTypeDefinition<_starling_store_v1_AppendMessagesResponse, _starling_store_v1_AppendMessagesResponse__Output>
        AppendStreamRequest: MessageTypeDefinition<_starling_store_v1_AppendStreamRequest, _starling_store_v1_AppendStreamRequest__Output>
        AppendStreamResponse: MessageTypeDefinition<_starling_store_v1_AppendStreamResponse, _starling_store_v1_AppendStreamResponse__Output>
        Arrival: MessageTypeDefinition<_starling_store_v1_Arrival, _starling_store_v1_Arrival__Output>
        CloseSessionRequest: MessageTypeDefinition<_starling_store_v1_CloseSessionRequest, _starling_store_v1_CloseSessionRequest__Output>
        CloseSessionResponse: MessageTypeDefinition<_starling_store_v1_CloseSessionResponse, _starling_store_v1_CloseSessionResponse__Output>
        CommitOffsetsRequest: MessageTypeDefinition<_starling_store_v1_CommitOffsetsRequest, _starling_store_v1_CommitOffsetsRequest__Output>
        CommitOffsetsResponse: MessageTypeDefinition<_starling_store_v1_CommitOffsetsResponse, _starling_store_v1_CommitOffsetsResponse__Output>
        ConsumerKind: EnumTypeDefinition
        ConsumerRef: MessageTypeDefinition<_starling_store_v1_ConsumerRef, _starling_store_v1_ConsumerRef__Output>
        DeleteSessionRequest: MessageTypeDefinition<_starling_store_v1_DeleteSessionRequest, _starling_store_v1_DeleteSessionRequest__Output>
        DeleteSessionResponse: MessageTypeDefinition<_starling_store_v1_DeleteSessionResponse, _starling_store_v1_DeleteSessionResponse__Output>
        FetchOffsetsRequest: MessageTypeDefinition<_starling_store_v1_FetchOffsetsRequest, _starling_store_v1_FetchOffsetsRequest__Output>
        FetchOffsetsResponse: MessageTypeDefinition<_starling_store_v1_FetchOffsetsResponse, _starling_store_v1_FetchOffsetsResponse__Output>
        GetSessionRequest: MessageTypeDefinition<_starling_store_v1_GetSessionRequest, _starling_store_v1_GetSessionRequest__Output>
        GetSessionResponse: MessageTypeDefinition<_starling_store_v1_GetSessionResponse, _starling_store_v1_GetSessionResponse__Output>
        GetShardInfoRequest: MessageTypeDefinition<_starling_store_v1_GetShardInfoRequest, _starling_store_v1_GetShardInfoRequest__Output>
        GetShardInfoResponse: MessageTypeDefinition<_starling_store_v1_GetShardInfoResponse, _starling_store_v1_GetShardInfoResponse__Output>
        InFlight: MessageTypeDefinition<_starling_store_v1_InFlight, _starling_store_v1_InFlight__Output>
        ListRetainedRequest: MessageTypeDefinition<_starling_store_v1_ListRetainedRequest, _starling_store_v1_ListRetainedRequest__Output>
        ListRetainedResponse: MessageTypeDefinition<_starling_store_v1_ListRetainedResponse, _starling_store_v1_ListRetainedResponse__Output>
        MatchRetainedRequest: MessageTypeDefinition<_starling_store_v1_MatchRetainedRequest, _starling_store_v1_MatchRetainedRequest__Output>
        MatchRetainedResponse: MessageTypeDefinition<_starling_store_v1_MatchRetainedResponse, _starling_store_v1_MatchRetainedResponse__Output>
        Message: MessageTypeDefinition<_starling_store_v1_Message, _starling_store_v1_Message__Output>
        MessageProperties: MessageTypeDefinition<_starling_store_v1_MessageProperties, _starling_store_v1_MessageProperties__Output>
        OpenSessionRequest: MessageTypeDefinition<_starling_store_v1_OpenSessionRequest, _starling_store_v1_OpenSessionRequest__Output>
        OpenSessionResponse: MessageTypeDefinition<_starling_store_v1_OpenSessionResponse, _starling_store_v1_OpenSessionResponse__Output>
        PullMessagesRequest: MessageTypeDefinition<_starling_store_v1_PullMessagesRequest, _starling_store_v1_PullMessagesRequest__Output>
        PullMessagesResponse: MessageTypeDefinition<_starling_store_v1_PullMessagesResponse, _starling_store_v1_PullMessagesResponse__Output>
        QueueKind: EnumTypeDefinition
        QueueMessage: MessageTypeDefinition<_starling_store_v1_QueueMessage, _starling_store_v1_QueueMessage__Output>
        QueueOffset: MessageTypeDefinition<_starling_store_v1_QueueOffset, _starling_store_v1_QueueOffset__Output>
        QueueRef: MessageTypeDefinition<_starling_store_v1_QueueRef, _starling_store_v1_QueueRef__Output>
        RegisterFilterRequest: MessageTypeDefinition<_starling_store_v1_RegisterFilterRequest, _starling_store_v1_RegisterFilterRequest__Output>
        RegisterFilterResponse: MessageTypeDefinition<_starling_store_v1_RegisterFilterResponse, _starling_store_v1_RegisterFilterResponse__Output>
        RenewOwnerLeaseRequest: MessageTypeDefinition<_starling_store_v1_RenewOwnerLeaseRequest, _starling_store_v1_RenewOwnerLeaseRequest__Output>
        RenewOwnerLeaseResponse: MessageTypeDefinition<_starling_store_v1_RenewOwnerLeaseResponse, _starling_store_v1_RenewOwnerLeaseResponse__Output>
        RetainedMessage: MessageTypeDefinition<_starling_store_v1_RetainedMessage, _starling_store_v1_RetainedMessage__Output>
        Session: MessageTypeDefinition<_starling_store_v1_Session, _starling_store_v1_Session__Output>
        StoreService: SubtypeConstructor<typeof grpc.Client, _starling_store_v1_StoreServiceClient> & { service: _starling_store_v1_StoreServiceDefinition }
        Subscription: MessageTypeDefinition<_starling_store_v1_Subscription, _starling_store_v1_Subscription__Output>
        UnregisterFilterRequest: MessageTypeDefinition<_starling_store_v1_UnregisterFilterRequest, _starling_store_v1_UnregisterFilterRequest__Output>
        UnregisterFilterResponse: MessageTypeDefinition<_starling_store_v1_UnregisterFilterResponse, _starling_store_v1_UnregisterFilterResponse__Output>
        UpdateSessionRequest: MessageTypeDefinition<_starling_store_v1_UpdateSessionRequest, _starling_store_v1_UpdateSessionRequest__Output>
        UpdateSessionResponse: MessageTypeDefinition<_starling_store_v1_UpdateSessionResponse, _starling_store_v1_UpdateSessionResponse__Output>
        UserProperty: MessageTypeDefinition<_starling_store_v1_UserProperty, _starling_store_v1_UserProperty__Output>
        WatchArrivalsRequest: MessageTypeDefinition<_starling_store_v1_WatchArrivalsRequest, _starling_store_v1_WatchArrivalsRequest__Output>
        WatchArrivalsResponse: MessageTypeDefinition<_starling_store_v1_WatchArrivalsResponse, _starling_store_v1_WatchArrivalsResponse__Output>
        Will: MessageTypeDefinition<_starling_store_v1_Will, _starling_store_v1_Will__Output>
      }
    }
  }
}


// Original file: ../../proto/starling/store/v1/store.proto

import type { Message as _starling_store_v1_Message, Message__Output as _starling_store_v1_Message__Output } from '../../../starling/store/v1/Message';

export interface AppendMessagesRequest {
  'messages'?: (_starling_store_v1_Message)[];
}

export interface AppendMessagesRequest__Output {
  'messages': (_starling_store_v1_Message__Output)[];
}

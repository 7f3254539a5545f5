// Original file: ../../proto/starling/store/v1/store.proto

import type { Message as _starling_store_v1_Message, Message__Output as _starling_store_v1_Message__Output } from '../../../starling/store/v1/Message';
import type { Long } from '@grpc/proto-loader';

export interface AppendStreamRequest {
  'messages'?: (_starling_store_v1_Message)[];
  'batchId'?: (number | string | Long);
}

export interface AppendStreamRequest__Output {
  'messages': (_starling_store_v1_Message__Output)[];
  'batchId': (number);
}

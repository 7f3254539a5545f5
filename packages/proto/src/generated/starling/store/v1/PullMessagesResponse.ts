// Original file: ../../proto/starling/store/v1/store.proto

import type { QueueMessage as _starling_store_v1_QueueMessage, QueueMessage__Output as _starling_store_v1_QueueMessage__Output } from '../../../starling/store/v1/QueueMessage';
import type { Long } from '@grpc/proto-loader';

export interface PullMessagesResponse {
  'messages'?: (_starling_store_v1_QueueMessage)[];
  'lowOffset'?: (number | string | Long);
  'endOffset'?: (number | string | Long);
  'nextOffset'?: (number | string | Long);
  'resetToLowOffset'?: (boolean);
}

export interface PullMessagesResponse__Output {
  'messages': (_starling_store_v1_QueueMessage__Output)[];
  'lowOffset': (number);
  'endOffset': (number);
  'nextOffset': (number);
  'resetToLowOffset': (boolean);
}

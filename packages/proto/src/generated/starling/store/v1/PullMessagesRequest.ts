// Original file: ../../proto/starling/store/v1/store.proto

import type { QueueRef as _starling_store_v1_QueueRef, QueueRef__Output as _starling_store_v1_QueueRef__Output } from '../../../starling/store/v1/QueueRef';
import type { Long } from '@grpc/proto-loader';

export interface PullMessagesRequest {
  'queue'?: (_starling_store_v1_QueueRef | null);
  'fromOffset'?: (number | string | Long);
  'maxMessages'?: (number);
  'maxBytes'?: (number);
  'waitMs'?: (number);
}

export interface PullMessagesRequest__Output {
  'queue': (_starling_store_v1_QueueRef__Output | null);
  'fromOffset': (number);
  'maxMessages': (number);
  'maxBytes': (number);
  'waitMs': (number);
}

// Original file: ../../proto/starling/events/v1/events.proto

import type { QueueRef as _starling_store_v1_QueueRef, QueueRef__Output as _starling_store_v1_QueueRef__Output } from '../../../starling/store/v1/QueueRef';
import type { Long } from '@grpc/proto-loader';

export interface ArrivalEvent {
  'queue'?: (_starling_store_v1_QueueRef | null);
  'endOffset'?: (number | string | Long);
  'shard'?: (number);
  'storeTimestampMs'?: (number | string | Long);
}

export interface ArrivalEvent__Output {
  'queue': (_starling_store_v1_QueueRef__Output | null);
  'endOffset': (number);
  'shard': (number);
  'storeTimestampMs': (number);
}

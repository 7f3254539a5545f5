// Original file: ../../proto/starling/store/v1/store.proto

import type { ConsumerRef as _starling_store_v1_ConsumerRef, ConsumerRef__Output as _starling_store_v1_ConsumerRef__Output } from '../../../starling/store/v1/ConsumerRef';
import type { QueueRef as _starling_store_v1_QueueRef, QueueRef__Output as _starling_store_v1_QueueRef__Output } from '../../../starling/store/v1/QueueRef';

export interface FetchOffsetsRequest {
  'consumer'?: (_starling_store_v1_ConsumerRef | null);
  'queues'?: (_starling_store_v1_QueueRef)[];
}

export interface FetchOffsetsRequest__Output {
  'consumer': (_starling_store_v1_ConsumerRef__Output | null);
  'queues': (_starling_store_v1_QueueRef__Output)[];
}

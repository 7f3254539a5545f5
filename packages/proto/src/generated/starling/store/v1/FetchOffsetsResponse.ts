// Original file: ../../proto/starling/store/v1/store.proto

import type { QueueOffset as _starling_store_v1_QueueOffset, QueueOffset__Output as _starling_store_v1_QueueOffset__Output } from '../../../starling/store/v1/QueueOffset';

export interface FetchOffsetsResponse {
  'offsets'?: (_starling_store_v1_QueueOffset)[];
}

export interface FetchOffsetsResponse__Output {
  'offsets': (_starling_store_v1_QueueOffset__Output)[];
}

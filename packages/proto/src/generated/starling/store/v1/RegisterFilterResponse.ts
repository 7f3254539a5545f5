// Original file: ../../proto/starling/store/v1/store.proto

import type { QueueRef as _starling_store_v1_QueueRef, QueueRef__Output as _starling_store_v1_QueueRef__Output } from '../../../starling/store/v1/QueueRef';
import type { Long } from '@grpc/proto-loader';

export interface RegisterFilterResponse {
  'queue'?: (_starling_store_v1_QueueRef | null);
  'endOffset'?: (number | string | Long);
  'created'?: (boolean);
  'shard'?: (number);
}

export interface RegisterFilterResponse__Output {
  'queue': (_starling_store_v1_QueueRef__Output | null);
  'endOffset': (number);
  'created': (boolean);
  'shard': (number);
}

// Original file: ../../proto/starling/store/v1/store.proto

import type { QueueKind as _starling_store_v1_QueueKind, QueueKind__Output as _starling_store_v1_QueueKind__Output } from '../../../starling/store/v1/QueueKind';

export interface QueueRef {
  'kind'?: (_starling_store_v1_QueueKind);
  'name'?: (string);
}

export interface QueueRef__Output {
  'kind': (_starling_store_v1_QueueKind__Output);
  'name': (string);
}

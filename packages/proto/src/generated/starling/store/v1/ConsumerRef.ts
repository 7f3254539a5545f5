// Original file: ../../proto/starling/store/v1/store.proto

import type { ConsumerKind as _starling_store_v1_ConsumerKind, ConsumerKind__Output as _starling_store_v1_ConsumerKind__Output } from '../../../starling/store/v1/ConsumerKind';

export interface ConsumerRef {
  'kind'?: (_starling_store_v1_ConsumerKind);
  'id'?: (string);
}

export interface ConsumerRef__Output {
  'kind': (_starling_store_v1_ConsumerKind__Output);
  'id': (string);
}

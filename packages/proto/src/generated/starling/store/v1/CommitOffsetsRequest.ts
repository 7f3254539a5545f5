// Original file: ../../proto/starling/store/v1/store.proto

import type { ConsumerRef as _starling_store_v1_ConsumerRef, ConsumerRef__Output as _starling_store_v1_ConsumerRef__Output } from '../../../starling/store/v1/ConsumerRef';
import type { QueueOffset as _starling_store_v1_QueueOffset, QueueOffset__Output as _starling_store_v1_QueueOffset__Output } from '../../../starling/store/v1/QueueOffset';
import type { Long } from '@grpc/proto-loader';

export interface CommitOffsetsRequest {
  'consumer'?: (_starling_store_v1_ConsumerRef | null);
  'sessionEpoch'?: (number | string | Long);
  'offsets'?: (_starling_store_v1_QueueOffset)[];
  'replaceSessionIds'?: (boolean);
  'pendingPubrels'?: (number)[];
  'inboundQos2Ids'?: (number)[];
}

export interface CommitOffsetsRequest__Output {
  'consumer': (_starling_store_v1_ConsumerRef__Output | null);
  'sessionEpoch': (number);
  'offsets': (_starling_store_v1_QueueOffset__Output)[];
  'replaceSessionIds': (boolean);
  'pendingPubrels': (number)[];
  'inboundQos2Ids': (number)[];
}

// Original file: ../../proto/starling/store/v1/store.proto

import type { QueueRef as _starling_store_v1_QueueRef, QueueRef__Output as _starling_store_v1_QueueRef__Output } from '../../../starling/store/v1/QueueRef';
import type { InFlight as _starling_store_v1_InFlight, InFlight__Output as _starling_store_v1_InFlight__Output } from '../../../starling/store/v1/InFlight';
import type { Long } from '@grpc/proto-loader';

export interface QueueOffset {
  'queue'?: (_starling_store_v1_QueueRef | null);
  'offset'?: (number | string | Long);
  'sentBelow'?: (number | string | Long);
  'inFlight'?: (_starling_store_v1_InFlight)[];
  '_sentBelow'?: "sentBelow";
}

export interface QueueOffset__Output {
  'queue': (_starling_store_v1_QueueRef__Output | null);
  'offset': (number);
  'sentBelow'?: (number);
  'inFlight': (_starling_store_v1_InFlight__Output)[];
  '_sentBelow'?: "sentBelow";
}

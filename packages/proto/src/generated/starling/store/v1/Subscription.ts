// Original file: ../../proto/starling/store/v1/store.proto

import type { InFlight as _starling_store_v1_InFlight, InFlight__Output as _starling_store_v1_InFlight__Output } from '../../../starling/store/v1/InFlight';
import type { Long } from '@grpc/proto-loader';

export interface Subscription {
  'filter'?: (string);
  'qos'?: (number);
  'noLocal'?: (boolean);
  'retainAsPublished'?: (boolean);
  'retainHandling'?: (number);
  'subscriptionIdentifier'?: (number);
  'committedOffset'?: (number | string | Long);
  'sentBelow'?: (number | string | Long);
  'inFlight'?: (_starling_store_v1_InFlight)[];
  '_committedOffset'?: "committedOffset";
  '_sentBelow'?: "sentBelow";
}

export interface Subscription__Output {
  'filter': (string);
  'qos': (number);
  'noLocal': (boolean);
  'retainAsPublished': (boolean);
  'retainHandling': (number);
  'subscriptionIdentifier': (number);
  'committedOffset'?: (number);
  'sentBelow'?: (number);
  'inFlight': (_starling_store_v1_InFlight__Output)[];
  '_committedOffset'?: "committedOffset";
  '_sentBelow'?: "sentBelow";
}

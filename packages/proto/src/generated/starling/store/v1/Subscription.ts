// Original file: ../../proto/starling/store/v1/store.proto

import type { Long } from '@grpc/proto-loader';

export interface Subscription {
  'filter'?: (string);
  'qos'?: (number);
  'noLocal'?: (boolean);
  'retainAsPublished'?: (boolean);
  'retainHandling'?: (number);
  'subscriptionIdentifier'?: (number);
  'committedOffset'?: (number | string | Long);
  '_committedOffset'?: "committedOffset";
}

export interface Subscription__Output {
  'filter': (string);
  'qos': (number);
  'noLocal': (boolean);
  'retainAsPublished': (boolean);
  'retainHandling': (number);
  'subscriptionIdentifier': (number);
  'committedOffset'?: (number);
  '_committedOffset'?: "committedOffset";
}

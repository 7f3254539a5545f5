// Original file: ../../proto/starling/events/v1/events.proto

import type { Long } from '@grpc/proto-loader';

export interface TakeoverReply {
  'closed'?: (boolean);
  'lastEpoch'?: (number | string | Long);
}

export interface TakeoverReply__Output {
  'closed': (boolean);
  'lastEpoch': (number);
}

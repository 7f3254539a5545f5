// Original file: ../../proto/starling/events/v1/events.proto

import type { Long } from '@grpc/proto-loader';

export interface TakeoverRequest {
  'clientId'?: (string);
  'newOwner'?: (string);
  'epoch'?: (number | string | Long);
}

export interface TakeoverRequest__Output {
  'clientId': (string);
  'newOwner': (string);
  'epoch': (number);
}

// Original file: ../../proto/starling/store/v1/store.proto

import type { Long } from '@grpc/proto-loader';

export interface InFlight {
  'offset'?: (number | string | Long);
  'packetId'?: (number);
  'qos'?: (number);
  'pubrelSent'?: (boolean);
}

export interface InFlight__Output {
  'offset': (number);
  'packetId': (number);
  'qos': (number);
  'pubrelSent': (boolean);
}

// Original file: ../../proto/starling/store/v1/store.proto

import type { Long } from '@grpc/proto-loader';

export interface CloseSessionRequest {
  'clientId'?: (string);
  'epoch'?: (number | string | Long);
  'disconnectedAtMs'?: (number | string | Long);
  'discard'?: (boolean);
  'publishWill'?: (boolean);
}

export interface CloseSessionRequest__Output {
  'clientId': (string);
  'epoch': (number);
  'disconnectedAtMs': (number);
  'discard': (boolean);
  'publishWill': (boolean);
}

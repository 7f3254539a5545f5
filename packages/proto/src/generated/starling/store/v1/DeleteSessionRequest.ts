// Original file: ../../proto/starling/store/v1/store.proto

import type { Long } from '@grpc/proto-loader';

export interface DeleteSessionRequest {
  'clientId'?: (string);
  'epoch'?: (number | string | Long);
}

export interface DeleteSessionRequest__Output {
  'clientId': (string);
  'epoch': (number);
}

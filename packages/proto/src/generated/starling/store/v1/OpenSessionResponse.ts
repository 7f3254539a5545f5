// Original file: ../../proto/starling/store/v1/store.proto

import type { Session as _starling_store_v1_Session, Session__Output as _starling_store_v1_Session__Output } from '../../../starling/store/v1/Session';
import type { Long } from '@grpc/proto-loader';

export interface OpenSessionResponse {
  'sessionPresent'?: (boolean);
  'epoch'?: (number | string | Long);
  'session'?: (_starling_store_v1_Session | null);
}

export interface OpenSessionResponse__Output {
  'sessionPresent': (boolean);
  'epoch': (number);
  'session': (_starling_store_v1_Session__Output | null);
}

// Original file: ../../proto/starling/store/v1/store.proto

import type { Session as _starling_store_v1_Session, Session__Output as _starling_store_v1_Session__Output } from '../../../starling/store/v1/Session';

export interface GetSessionResponse {
  'found'?: (boolean);
  'session'?: (_starling_store_v1_Session | null);
}

export interface GetSessionResponse__Output {
  'found': (boolean);
  'session': (_starling_store_v1_Session__Output | null);
}

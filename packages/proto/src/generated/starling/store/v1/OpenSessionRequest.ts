// Original file: ../../proto/starling/store/v1/store.proto

import type { Will as _starling_store_v1_Will, Will__Output as _starling_store_v1_Will__Output } from '../../../starling/store/v1/Will';

export interface OpenSessionRequest {
  'clientId'?: (string);
  'ownerId'?: (string);
  'cleanStart'?: (boolean);
  'sessionExpiryIntervalSeconds'?: (number);
  'will'?: (_starling_store_v1_Will | null);
}

export interface OpenSessionRequest__Output {
  'clientId': (string);
  'ownerId': (string);
  'cleanStart': (boolean);
  'sessionExpiryIntervalSeconds': (number);
  'will': (_starling_store_v1_Will__Output | null);
}

// Original file: ../../proto/starling/store/v1/store.proto

import type { Subscription as _starling_store_v1_Subscription, Subscription__Output as _starling_store_v1_Subscription__Output } from '../../../starling/store/v1/Subscription';
import type { Will as _starling_store_v1_Will, Will__Output as _starling_store_v1_Will__Output } from '../../../starling/store/v1/Will';
import type { Long } from '@grpc/proto-loader';

export interface UpdateSessionRequest {
  'clientId'?: (string);
  'epoch'?: (number | string | Long);
  'addSubscriptions'?: (_starling_store_v1_Subscription)[];
  'removeFilters'?: (string)[];
  'updateWill'?: (boolean);
  'will'?: (_starling_store_v1_Will | null);
  'sessionExpiryIntervalSeconds'?: (number);
  '_sessionExpiryIntervalSeconds'?: "sessionExpiryIntervalSeconds";
}

export interface UpdateSessionRequest__Output {
  'clientId': (string);
  'epoch': (number);
  'addSubscriptions': (_starling_store_v1_Subscription__Output)[];
  'removeFilters': (string)[];
  'updateWill': (boolean);
  'will': (_starling_store_v1_Will__Output | null);
  'sessionExpiryIntervalSeconds'?: (number);
  '_sessionExpiryIntervalSeconds'?: "sessionExpiryIntervalSeconds";
}

// Original file: ../../proto/starling/store/v1/store.proto

import type { Subscription as _starling_store_v1_Subscription, Subscription__Output as _starling_store_v1_Subscription__Output } from '../../../starling/store/v1/Subscription';
import type { Will as _starling_store_v1_Will, Will__Output as _starling_store_v1_Will__Output } from '../../../starling/store/v1/Will';
import type { Long } from '@grpc/proto-loader';

export interface Session {
  'clientId'?: (string);
  'ownerId'?: (string);
  'epoch'?: (number | string | Long);
  'subscriptions'?: (_starling_store_v1_Subscription)[];
  'will'?: (_starling_store_v1_Will | null);
  'sessionExpiryIntervalSeconds'?: (number);
  'disconnectedAtMs'?: (number | string | Long);
  'pendingPubrels'?: (number)[];
  'inboundQos2Ids'?: (number)[];
}

export interface Session__Output {
  'clientId': (string);
  'ownerId': (string);
  'epoch': (number);
  'subscriptions': (_starling_store_v1_Subscription__Output)[];
  'will': (_starling_store_v1_Will__Output | null);
  'sessionExpiryIntervalSeconds': (number);
  'disconnectedAtMs': (number);
  'pendingPubrels': (number)[];
  'inboundQos2Ids': (number)[];
}

// Original file: ../../proto/starling/store/v1/store.proto

import type { UserProperty as _starling_store_v1_UserProperty, UserProperty__Output as _starling_store_v1_UserProperty__Output } from '../../../starling/store/v1/UserProperty';

export interface MessageProperties {
  'payloadFormatIndicator'?: (boolean);
  'messageExpiryIntervalSeconds'?: (number);
  'contentType'?: (string);
  'responseTopic'?: (string);
  'correlationData'?: (Buffer | Uint8Array | string);
  'userProperties'?: (_starling_store_v1_UserProperty)[];
  '_messageExpiryIntervalSeconds'?: "messageExpiryIntervalSeconds";
}

export interface MessageProperties__Output {
  'payloadFormatIndicator': (boolean);
  'messageExpiryIntervalSeconds'?: (number);
  'contentType': (string);
  'responseTopic': (string);
  'correlationData': (Buffer);
  'userProperties': (_starling_store_v1_UserProperty__Output)[];
  '_messageExpiryIntervalSeconds'?: "messageExpiryIntervalSeconds";
}

// Original file: ../../proto/starling/store/v1/store.proto

import type { MessageProperties as _starling_store_v1_MessageProperties, MessageProperties__Output as _starling_store_v1_MessageProperties__Output } from '../../../starling/store/v1/MessageProperties';

export interface Will {
  'topic'?: (string);
  'payload'?: (Buffer | Uint8Array | string);
  'qos'?: (number);
  'retain'?: (boolean);
  'properties'?: (_starling_store_v1_MessageProperties | null);
  'willDelayIntervalSeconds'?: (number);
}

export interface Will__Output {
  'topic': (string);
  'payload': (Buffer);
  'qos': (number);
  'retain': (boolean);
  'properties': (_starling_store_v1_MessageProperties__Output | null);
  'willDelayIntervalSeconds': (number);
}

// Original file: ../../proto/starling/store/v1/store.proto

import type { MessageProperties as _starling_store_v1_MessageProperties, MessageProperties__Output as _starling_store_v1_MessageProperties__Output } from '../../../starling/store/v1/MessageProperties';
import type { Long } from '@grpc/proto-loader';

export interface RetainedMessage {
  'topic'?: (string);
  'payload'?: (Buffer | Uint8Array | string);
  'qos'?: (number);
  'timestampMs'?: (number | string | Long);
  'position'?: (number | string | Long);
  'properties'?: (_starling_store_v1_MessageProperties | null);
}

export interface RetainedMessage__Output {
  'topic': (string);
  'payload': (Buffer);
  'qos': (number);
  'timestampMs': (number);
  'position': (number);
  'properties': (_starling_store_v1_MessageProperties__Output | null);
}

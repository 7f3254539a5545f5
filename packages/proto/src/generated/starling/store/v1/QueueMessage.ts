// Original file: ../../proto/starling/store/v1/store.proto

import type { MessageProperties as _starling_store_v1_MessageProperties, MessageProperties__Output as _starling_store_v1_MessageProperties__Output } from '../../../starling/store/v1/MessageProperties';
import type { Long } from '@grpc/proto-loader';

export interface QueueMessage {
  'offset'?: (number | string | Long);
  'position'?: (number | string | Long);
  'timestampMs'?: (number | string | Long);
  'topic'?: (string);
  'payload'?: (Buffer | Uint8Array | string);
  'qos'?: (number);
  'retain'?: (boolean);
  'publisherClientId'?: (string);
  'properties'?: (_starling_store_v1_MessageProperties | null);
}

export interface QueueMessage__Output {
  'offset': (number);
  'position': (number);
  'timestampMs': (number);
  'topic': (string);
  'payload': (Buffer);
  'qos': (number);
  'retain': (boolean);
  'publisherClientId': (string);
  'properties': (_starling_store_v1_MessageProperties__Output | null);
}

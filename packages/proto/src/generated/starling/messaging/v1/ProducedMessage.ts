// Original file: ../../proto/starling/messaging/v1/messaging.proto

import type { Header as _starling_messaging_v1_Header, Header__Output as _starling_messaging_v1_Header__Output } from '../../../starling/messaging/v1/Header';

export interface ProducedMessage {
  'topic'?: (string);
  'payload'?: (Buffer | Uint8Array | string);
  'qos'?: (number);
  'retain'?: (boolean);
  'contentType'?: (string);
  'headers'?: (_starling_messaging_v1_Header)[];
  'responseTopic'?: (string);
  'correlationData'?: (Buffer | Uint8Array | string);
  'messageExpiryIntervalSeconds'?: (number);
  'payloadIsUtf8'?: (boolean);
  '_messageExpiryIntervalSeconds'?: "messageExpiryIntervalSeconds";
}

export interface ProducedMessage__Output {
  'topic': (string);
  'payload': (Buffer);
  'qos': (number);
  'retain': (boolean);
  'contentType': (string);
  'headers': (_starling_messaging_v1_Header__Output)[];
  'responseTopic': (string);
  'correlationData': (Buffer);
  'messageExpiryIntervalSeconds'?: (number);
  'payloadIsUtf8': (boolean);
  '_messageExpiryIntervalSeconds'?: "messageExpiryIntervalSeconds";
}

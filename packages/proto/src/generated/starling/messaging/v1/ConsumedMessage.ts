// Original file: ../../proto/starling/messaging/v1/messaging.proto

import type { Header as _starling_messaging_v1_Header, Header__Output as _starling_messaging_v1_Header__Output } from '../../../starling/messaging/v1/Header';
import type { Long } from '@grpc/proto-loader';

export interface ConsumedMessage {
  'offset'?: (number | string | Long);
  'position'?: (number | string | Long);
  'timestampMs'?: (number | string | Long);
  'topic'?: (string);
  'payload'?: (Buffer | Uint8Array | string);
  'qos'?: (number);
  'retain'?: (boolean);
  'publisherId'?: (string);
  'contentType'?: (string);
  'headers'?: (_starling_messaging_v1_Header)[];
  'responseTopic'?: (string);
  'correlationData'?: (Buffer | Uint8Array | string);
}

export interface ConsumedMessage__Output {
  'offset': (number);
  'position': (number);
  'timestampMs': (number);
  'topic': (string);
  'payload': (Buffer);
  'qos': (number);
  'retain': (boolean);
  'publisherId': (string);
  'contentType': (string);
  'headers': (_starling_messaging_v1_Header__Output)[];
  'responseTopic': (string);
  'correlationData': (Buffer);
}

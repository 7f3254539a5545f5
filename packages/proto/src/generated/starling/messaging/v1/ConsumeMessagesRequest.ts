// Original file: ../../proto/starling/messaging/v1/messaging.proto

import type { StartPosition as _starling_messaging_v1_StartPosition, StartPosition__Output as _starling_messaging_v1_StartPosition__Output } from '../../../starling/messaging/v1/StartPosition';
import type { Long } from '@grpc/proto-loader';

export interface ConsumeMessagesRequest {
  'group'?: (string);
  'topic'?: (string);
  'maxMessages'?: (number);
  'maxBytes'?: (number);
  'waitMs'?: (number);
  'fromOffset'?: (number | string | Long);
  'start'?: (_starling_messaging_v1_StartPosition);
  '_fromOffset'?: "fromOffset";
}

export interface ConsumeMessagesRequest__Output {
  'group': (string);
  'topic': (string);
  'maxMessages': (number);
  'maxBytes': (number);
  'waitMs': (number);
  'fromOffset'?: (number);
  'start': (_starling_messaging_v1_StartPosition__Output);
  '_fromOffset'?: "fromOffset";
}

// Original file: ../../proto/starling/messaging/v1/messaging.proto

import type { ConsumedMessage as _starling_messaging_v1_ConsumedMessage, ConsumedMessage__Output as _starling_messaging_v1_ConsumedMessage__Output } from '../../../starling/messaging/v1/ConsumedMessage';
import type { Long } from '@grpc/proto-loader';

export interface ConsumeMessagesResponse {
  'messages'?: (_starling_messaging_v1_ConsumedMessage)[];
  'nextOffset'?: (number | string | Long);
  'lowOffset'?: (number | string | Long);
  'endOffset'?: (number | string | Long);
  'resetToLowOffset'?: (boolean);
}

export interface ConsumeMessagesResponse__Output {
  'messages': (_starling_messaging_v1_ConsumedMessage__Output)[];
  'nextOffset': (number);
  'lowOffset': (number);
  'endOffset': (number);
  'resetToLowOffset': (boolean);
}

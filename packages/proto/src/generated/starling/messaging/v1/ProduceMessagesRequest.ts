// Original file: ../../proto/starling/messaging/v1/messaging.proto

import type { ProducedMessage as _starling_messaging_v1_ProducedMessage, ProducedMessage__Output as _starling_messaging_v1_ProducedMessage__Output } from '../../../starling/messaging/v1/ProducedMessage';

export interface ProduceMessagesRequest {
  'producerId'?: (string);
  'messages'?: (_starling_messaging_v1_ProducedMessage)[];
}

export interface ProduceMessagesRequest__Output {
  'producerId': (string);
  'messages': (_starling_messaging_v1_ProducedMessage__Output)[];
}

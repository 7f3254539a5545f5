// Original file: ../../proto/starling/messaging/v1/messaging.proto

import type { TopicOffset as _starling_messaging_v1_TopicOffset, TopicOffset__Output as _starling_messaging_v1_TopicOffset__Output } from '../../../starling/messaging/v1/TopicOffset';

export interface FetchConsumerOffsetsResponse {
  'offsets'?: (_starling_messaging_v1_TopicOffset)[];
}

export interface FetchConsumerOffsetsResponse__Output {
  'offsets': (_starling_messaging_v1_TopicOffset__Output)[];
}

// Original file: ../../proto/starling/messaging/v1/messaging.proto

import type { Long } from '@grpc/proto-loader';

export interface TopicOffset {
  'topic'?: (string);
  'offset'?: (number | string | Long);
}

export interface TopicOffset__Output {
  'topic': (string);
  'offset': (number);
}

// Original file: ../../proto/starling/messaging/v1/messaging.proto

import type { Long } from '@grpc/proto-loader';

export interface ProduceMessagesResponse {
  'positions'?: (number | string | Long)[];
  'shard'?: (number);
}

export interface ProduceMessagesResponse__Output {
  'positions': (number)[];
  'shard': (number);
}

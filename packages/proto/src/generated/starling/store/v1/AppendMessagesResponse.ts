// Original file: ../../proto/starling/store/v1/store.proto

import type { Long } from '@grpc/proto-loader';

export interface AppendMessagesResponse {
  'positions'?: (number | string | Long)[];
  'shard'?: (number);
}

export interface AppendMessagesResponse__Output {
  'positions': (number)[];
  'shard': (number);
}

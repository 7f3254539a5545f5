// Original file: ../../proto/starling/store/v1/store.proto

import type { Long } from '@grpc/proto-loader';

export interface AppendStreamResponse {
  'positions'?: (number | string | Long)[];
  'shard'?: (number);
  'batchId'?: (number | string | Long);
  'code'?: (number);
  'details'?: (string);
  'reason'?: (string);
}

export interface AppendStreamResponse__Output {
  'positions': (number)[];
  'shard': (number);
  'batchId': (number);
  'code': (number);
  'details': (string);
  'reason': (string);
}

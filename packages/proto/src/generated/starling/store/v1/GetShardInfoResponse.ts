// Original file: ../../proto/starling/store/v1/store.proto


export interface GetShardInfoResponse {
  'shardIndex'?: (number);
  'shardCount'?: (number);
}

export interface GetShardInfoResponse__Output {
  'shardIndex': (number);
  'shardCount': (number);
}

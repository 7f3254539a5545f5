// Original file: ../../proto/starling/store/v1/store.proto


export interface GetShardInfoRequest {
}

export interface GetShardInfoRequest__Output {
}

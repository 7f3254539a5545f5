// Original file: ../../proto/starling/store/v1/store.proto


export interface CommitOffsetsResponse {
}

export interface CommitOffsetsResponse__Output {
}

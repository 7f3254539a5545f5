// Original file: ../../proto/starling/messaging/v1/messaging.proto


export interface CommitConsumerOffsetsResponse {
}

export interface CommitConsumerOffsetsResponse__Output {
}

// Original file: ../../proto/starling/store/v1/store.proto


export interface CloseSessionResponse {
}

export interface CloseSessionResponse__Output {
}

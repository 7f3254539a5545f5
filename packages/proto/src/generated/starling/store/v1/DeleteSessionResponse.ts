// Original file: ../../proto/starling/store/v1/store.proto


export interface DeleteSessionResponse {
  'deleted'?: (boolean);
}

export interface DeleteSessionResponse__Output {
  'deleted': (boolean);
}

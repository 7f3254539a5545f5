// Original file: ../../proto/starling/store/v1/store.proto


export interface UnregisterFilterResponse {
  'removed'?: (boolean);
}

export interface UnregisterFilterResponse__Output {
  'removed': (boolean);
}

// Original file: ../../proto/starling/store/v1/store.proto


export interface UnregisterFilterRequest {
  'filter'?: (string);
  'holderId'?: (string);
}

export interface UnregisterFilterRequest__Output {
  'filter': (string);
  'holderId': (string);
}

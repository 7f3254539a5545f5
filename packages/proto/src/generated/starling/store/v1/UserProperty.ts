// Original file: ../../proto/starling/store/v1/store.proto


export interface UserProperty {
  'key'?: (string);
  'value'?: (string);
}

export interface UserProperty__Output {
  'key': (string);
  'value': (string);
}

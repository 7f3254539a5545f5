// Original file: ../../proto/starling/messaging/v1/messaging.proto


export interface Header {
  'key'?: (string);
  'value'?: (string);
}

export interface Header__Output {
  'key': (string);
  'value': (string);
}

// Original file: ../../proto/starling/store/v1/store.proto


export interface OpenSessionRequest {
  'clientId'?: (string);
  'ownerId'?: (string);
  'cleanStart'?: (boolean);
  'sessionExpiryIntervalSeconds'?: (number);
}

export interface OpenSessionRequest__Output {
  'clientId': (string);
  'ownerId': (string);
  'cleanStart': (boolean);
  'sessionExpiryIntervalSeconds': (number);
}

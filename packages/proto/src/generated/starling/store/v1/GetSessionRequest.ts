// Original file: ../../proto/starling/store/v1/store.proto


export interface GetSessionRequest {
  'clientId'?: (string);
}

export interface GetSessionRequest__Output {
  'clientId': (string);
}

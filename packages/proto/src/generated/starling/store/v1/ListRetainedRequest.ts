// Original file: ../../proto/starling/store/v1/store.proto


export interface ListRetainedRequest {
  'pageSize'?: (number);
  'pageToken'?: (string);
}

export interface ListRetainedRequest__Output {
  'pageSize': (number);
  'pageToken': (string);
}

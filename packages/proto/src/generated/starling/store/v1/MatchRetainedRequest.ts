// Original file: ../../proto/starling/store/v1/store.proto


export interface MatchRetainedRequest {
  'filter'?: (string);
}

export interface MatchRetainedRequest__Output {
  'filter': (string);
}

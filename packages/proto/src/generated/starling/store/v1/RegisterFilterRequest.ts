// Original file: ../../proto/starling/store/v1/store.proto


export interface RegisterFilterRequest {
  'filter'?: (string);
  'holderId'?: (string);
  'leaseMs'?: (number);
}

export interface RegisterFilterRequest__Output {
  'filter': (string);
  'holderId': (string);
  'leaseMs': (number);
}

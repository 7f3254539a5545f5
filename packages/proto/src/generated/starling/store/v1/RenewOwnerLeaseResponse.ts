// Original file: ../../proto/starling/store/v1/store.proto


export interface RenewOwnerLeaseResponse {
  'lapsed'?: (boolean);
}

export interface RenewOwnerLeaseResponse__Output {
  'lapsed': (boolean);
}

// Original file: ../../proto/starling/store/v1/store.proto


export interface RenewOwnerLeaseRequest {
  'ownerId'?: (string);
  'gatewayId'?: (string);
  'leaseMs'?: (number);
}

export interface RenewOwnerLeaseRequest__Output {
  'ownerId': (string);
  'gatewayId': (string);
  'leaseMs': (number);
}

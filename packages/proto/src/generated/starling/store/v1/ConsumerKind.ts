// Original file: ../../proto/starling/store/v1/store.proto

export const ConsumerKind = {
  CONSUMER_KIND_UNSPECIFIED: 'CONSUMER_KIND_UNSPECIFIED',
  CONSUMER_KIND_SESSION: 'CONSUMER_KIND_SESSION',
  CONSUMER_KIND_GROUP: 'CONSUMER_KIND_GROUP',
} as const;

export type ConsumerKind =
  | 'CONSUMER_KIND_UNSPECIFIED'
  | 0
  | 'CONSUMER_KIND_SESSION'
  | 1
  | 'CONSUMER_KIND_GROUP'
  | 2

export type ConsumerKind__Output = typeof ConsumerKind[keyof typeof ConsumerKind]

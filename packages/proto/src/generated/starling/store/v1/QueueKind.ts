// Original file: ../../proto/starling/store/v1/store.proto

export const QueueKind = {
  QUEUE_KIND_UNSPECIFIED: 'QUEUE_KIND_UNSPECIFIED',
  QUEUE_KIND_TOPIC: 'QUEUE_KIND_TOPIC',
  QUEUE_KIND_FILTER: 'QUEUE_KIND_FILTER',
} as const;

export type QueueKind =
  | 'QUEUE_KIND_UNSPECIFIED'
  | 0
  | 'QUEUE_KIND_TOPIC'
  | 1
  | 'QUEUE_KIND_FILTER'
  | 2

export type QueueKind__Output = typeof QueueKind[keyof typeof QueueKind]

// Original file: ../../proto/starling/messaging/v1/messaging.proto

export const StartPosition = {
  START_POSITION_UNSPECIFIED: 'START_POSITION_UNSPECIFIED',
  START_POSITION_EARLIEST: 'START_POSITION_EARLIEST',
  START_POSITION_LATEST: 'START_POSITION_LATEST',
} as const;

export type StartPosition =
  | 'START_POSITION_UNSPECIFIED'
  | 0
  | 'START_POSITION_EARLIEST'
  | 1
  | 'START_POSITION_LATEST'
  | 2

export type StartPosition__Output = typeof StartPosition[keyof typeof StartPosition]

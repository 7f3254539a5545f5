/**
 * A queue is named by a first-level topic (`telemetry` for
 * `telemetry/dev42/temp`) or by a subscription filter (`devices/+/cmd`).
 */
export type QueueKind = 'topic' | 'filter';

export interface QueueRef {
  readonly kind: QueueKind;
  readonly name: string;
}

export type StateStoreErrorCode =
  /** The data directory holds state written by an incompatible (newer) layout. */
  | 'STORE_STATE_SCHEMA'
  /**
   * A caller passed something the gRPC edge must have refused already (invalid filter or topic,
   * QoS > 2, negative offset, empty id): a bug in the caller, so an exception, not a value.
   */
  | 'STORE_STATE_INVALID_ARGUMENT';

/** Failures of the durable state that are bugs or environment problems; expected outcomes are values. */
export class StateStoreError extends Error {
  override readonly name = 'StateStoreError';

  constructor(
    readonly code: StateStoreErrorCode,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

export function invalidArgument(message: string): StateStoreError {
  return new StateStoreError('STORE_STATE_INVALID_ARGUMENT', message);
}

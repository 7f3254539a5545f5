export type CommitlogErrorCode =
  /** A record that should be whole is not (outside the tail recovery may truncate, or at a bad position). */
  | 'STORE_SEGMENT_CORRUPT'
  /** An open/read/write/fsync/unlink failed. After a failed write or fsync the log refuses appends until reopened. */
  | 'STORE_IO'
  /** The data directory holds something recovery will not guess about (a `*.log` outside the naming scheme). */
  | 'STORE_SEGMENT_NAME'
  /** The commitlog was used after `close()`. */
  | 'STORE_CLOSED'
  /** `scan()` started outside [lowPosition, endPosition]. */
  | 'STORE_OUT_OF_RANGE'
  /** Options out of range. */
  | 'STORE_CONFIG';

/** Failures of the commitlog: I/O, corruption, misuse. Expected outcomes (too-large, out-of-range) are values instead. */
export class CommitlogError extends Error {
  override readonly name = 'CommitlogError';

  constructor(
    readonly code: CommitlogErrorCode,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

export function ioError(message: string, cause: unknown): CommitlogError {
  const detail = cause instanceof Error ? `: ${cause.message}` : '';
  return new CommitlogError('STORE_IO', `${message}${detail}`, { cause });
}

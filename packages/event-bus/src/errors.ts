/** `serve` was called for a subject this bus (or, in process, this hub) already serves: a wiring bug. */
export class SubjectAlreadyServedError extends Error {
  readonly code = 'EVENT_BUS_SUBJECT_ALREADY_SERVED';
  constructor(readonly subject: string) {
    super(`subject "${subject}" is already served`);
    this.name = 'SubjectAlreadyServedError';
  }
}

/** Shortens a thrown error's message into a `failed` reason that fits a header value (no CR/LF). */
export function failureReason(err: unknown): string {
  const message = err instanceof Error ? err.message : String(err);
  const oneLine = message.replace(/[\r\n]+/g, ' ').trim();
  const reason = oneLine.length > 0 ? oneLine : 'handler failed';
  return reason.length > 256 ? `${reason.slice(0, 253)}...` : reason;
}

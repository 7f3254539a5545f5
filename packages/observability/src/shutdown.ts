import type { Logger } from 'pino';

export interface Closable {
  close(): Promise<void> | void;
}

export interface ShutdownOptions {
  /** Past this the process exits with code 1 even if something has not closed. */
  timeoutMs?: number;
  signals?: readonly NodeJS.Signals[];
  /** For tests; production exits the process. */
  exit?: (code: number) => void;
}

/**
 * On SIGTERM/SIGINT closes `closables` in order (the first stops traffic, the last releases storage),
 * then exits 0; a second signal or the timeout exits 1. Only `main.ts` calls this.
 */
export function onShutdownSignal(
  logger: Logger,
  closables: readonly Closable[],
  options: ShutdownOptions = {},
): void {
  const exit = options.exit ?? ((code: number) => process.exit(code));
  const timeoutMs = options.timeoutMs ?? 30_000;
  let stopping = false;
  const onSignal = (signal: NodeJS.Signals): void => {
    if (stopping) {
      logger.warn({ signal }, 'second signal, exiting now');
      exit(1);
      return;
    }
    stopping = true;
    logger.info({ signal, timeoutMs }, 'shutting down');
    const timer = setTimeout(() => {
      logger.error({ timeoutMs }, 'shutdown timed out');
      exit(1);
    }, timeoutMs);
    timer.unref();
    void (async () => {
      let code = 0;
      for (const c of closables) {
        try {
          await c.close();
        } catch (err) {
          code = 1;
          logger.error({ err }, 'close failed during shutdown');
        }
      }
      clearTimeout(timer);
      logger.info({ code }, 'shut down');
      logger.flush();
      exit(code);
    })();
  };
  for (const s of options.signals ?? ['SIGTERM', 'SIGINT']) process.on(s, onSignal);
}

import pino, { type DestinationStream, type Logger, type LevelWithSilent } from 'pino';

export type { Logger } from 'pino';

export const LOG_LEVELS: readonly LevelWithSilent[] = [
  'fatal',
  'error',
  'warn',
  'info',
  'debug',
  'trace',
  'silent',
];

export interface LoggerOptions {
  /** `gateway`, `store`, `notifier`, `standalone`: bound as `service` on every line. */
  service: string;
  level?: LevelWithSilent;
  /** Where lines go; stdout by default. Tests pass a stream to read what was logged. */
  destination?: DestinationStream;
}

/**
 * JSON lines with camelCase keys, an ISO timestamp and the `service` binding. Components add their
 * own binding with `logger.child({ component: 'commitlog' })`.
 */
export function createLogger(options: LoggerOptions): Logger {
  return pino(
    {
      level: options.level ?? 'info',
      base: { service: options.service },
      timestamp: pino.stdTimeFunctions.isoTime,
      formatters: { level: (label) => ({ level: label }) },
    },
    // Synchronous writes: log volume is low (nothing is logged per message) and a crash must not eat the last lines.
    options.destination ?? pino.destination({ dest: 1, sync: true }),
  );
}

import { readFile } from 'node:fs/promises';
import type { Logger } from '@starling/observability';
import type { GatewayMetrics } from './metrics';

/** The files a gateway reads again while it runs (the `file` label of its reload metrics). */
export type WatchedFile = 'acl' | 'passwords';

export interface FileWatchOptions<T> {
  readonly file: WatchedFile;
  readonly path: string;
  readonly intervalMs: number;
  /** The text of what is in force now. */
  readonly initialText: string;
  readonly logger: Logger;
  readonly metrics: GatewayMetrics;
  /** The file's content, or a throw saying what is wrong with it (its line). */
  parse(text: string): T;
  /** A changed file that parsed: put it in force. */
  apply(value: T): void;
}

export interface FileWatch {
  /** Reads the file now (the timer calls it; tests too). */
  check(): Promise<void>;
  close(): void;
}

/**
 * Reads a configuration file every `intervalMs` and applies it when its text changed. Polling, not `fs.watch`:
 * a Kubernetes ConfigMap or Secret volume changes by swapping a symlink, which file watches report
 * unreliably, and the files are small. A changed file that cannot be read or parsed leaves what is in force as
 * it is, sets `starling_gateway_file_stale{file}` and is reported once per distinct problem, not every
 * interval; the file coming back to the text in force, or a good change, clears it.
 */
export function watchFile<T>(options: FileWatchOptions<T>): FileWatch {
  const { file, path, logger, metrics } = options;
  let inForce = options.initialText;
  let lastRead = options.initialText;
  let lastProblem: string | undefined;
  let running: Promise<void> | undefined;
  metrics.fileStale.set({ file }, 0);
  const problem = (outcome: 'invalid' | 'unreadable', message: string): void => {
    metrics.fileStale.set({ file }, 1);
    if (message === lastProblem) return;
    lastProblem = message;
    metrics.fileReloads.inc({ file, outcome });
    logger.error({ file: path, problem: message }, `${file} file not applied; what was in force stays`);
  };
  const fresh = (): void => {
    lastProblem = undefined;
    metrics.fileStale.set({ file }, 0);
  };
  const read = async (): Promise<void> => {
    let text: string;
    try {
      text = await readFile(path, 'utf8');
    } catch (err) {
      problem('unreadable', `cannot read the file (${(err as NodeJS.ErrnoException).code ?? String(err)})`);
      return;
    }
    if (text === inForce) {
      // Back to what is in force (after a bad edit, or the file came back): nothing to apply.
      lastRead = text;
      if (lastProblem !== undefined) fresh();
      return;
    }
    if (text === lastRead) return; // the same bad text, reported already
    lastRead = text;
    let value: T;
    try {
      value = options.parse(text);
    } catch (err) {
      problem('invalid', err instanceof Error ? err.message : String(err));
      return;
    }
    inForce = text;
    fresh();
    options.apply(value);
    metrics.fileReloads.inc({ file, outcome: 'applied' });
  };
  const check = (): Promise<void> => {
    // One read at a time: a slow disk must not let two reads apply in the wrong order.
    running ??= read().finally(() => {
      running = undefined;
    });
    return running;
  };
  const timer = setInterval(() => {
    check().catch((err: unknown) => logger.error({ err, file: path }, `${file} file reload failed`));
  }, options.intervalMs);
  timer.unref();
  return { check, close: () => clearInterval(timer) };
}

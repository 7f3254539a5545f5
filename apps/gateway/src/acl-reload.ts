import { readFile } from 'node:fs/promises';
import type { Logger } from '@starling/observability';
import { AclFileError, parseAclFile, type AclRule } from './acl';
import type { GatewayMetrics } from './metrics';

export interface AclWatchOptions {
  readonly path: string;
  readonly intervalMs: number;
  /** The text the rules in force were parsed from. */
  readonly initialText: string;
  readonly logger: Logger;
  readonly metrics: GatewayMetrics;
  /** New valid rules: put them in force. */
  apply(rules: readonly AclRule[]): void;
}

export interface AclWatch {
  /** Reads the file now (the timer calls it; tests too). */
  check(): Promise<void>;
  close(): void;
}

/**
 * Reads the ACL file every `intervalMs` and applies it when its text changed. Polling, not `fs.watch`: a
 * Kubernetes ConfigMap volume changes by swapping a symlink, which directory watches report unreliably, and
 * the file is small. A file that cannot be read or parsed leaves the rules in force as they are and is
 * reported once per distinct text or error, not every interval.
 */
export function watchAclFile(options: AclWatchOptions): AclWatch {
  const { path, logger, metrics } = options;
  /** The text of the rules in force, and the last text read (a bad one is reported once). */
  let inForce = options.initialText;
  let lastRead = options.initialText;
  let lastProblem: string | undefined;
  let running: Promise<void> | undefined;
  metrics.aclStale.set(0);
  const problem = (outcome: 'invalid' | 'unreadable', message: string): void => {
    metrics.aclStale.set(1);
    if (message === lastProblem) return;
    lastProblem = message;
    metrics.aclReloads.inc({ outcome });
    logger.error({ file: path, problem: message }, 'ACL file not applied; the previous rules stay in force');
  };
  const fresh = (): void => {
    lastProblem = undefined;
    metrics.aclStale.set(0);
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
      // Back to the rules in force (after a bad edit, or the file came back): nothing to apply.
      lastRead = text;
      if (lastProblem !== undefined) fresh();
      return;
    }
    if (text === lastRead) return; // the same bad text, reported already
    lastRead = text;
    let rules: AclRule[];
    try {
      rules = parseAclFile(text);
    } catch (err) {
      if (!(err instanceof AclFileError)) throw err;
      problem('invalid', err.message);
      return;
    }
    inForce = text;
    fresh();
    options.apply(rules);
    metrics.aclReloads.inc({ outcome: 'applied' });
  };
  const check = (): Promise<void> => {
    // One read at a time: a slow disk must not let two reads apply in the wrong order.
    running ??= read().finally(() => {
      running = undefined;
    });
    return running;
  };
  const timer = setInterval(() => {
    check().catch((err: unknown) => logger.error({ err }, 'ACL reload failed'));
  }, options.intervalMs);
  timer.unref();
  return { check, close: () => clearInterval(timer) };
}

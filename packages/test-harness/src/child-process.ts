import { spawn, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';

export interface StartProcessOptions {
  command: string;
  args?: readonly string[];
  env?: Readonly<Record<string, string | undefined>>;
  cwd?: string;
  /** Resolves start-up when a line of stdout or stderr satisfies it; its return value is the `ready` result. */
  readyWhen: (line: string) => unknown;
  startTimeoutMs?: number;
  /** Shown in errors. */
  name?: string;
}

export interface ProcessHandle<R = unknown> {
  readonly pid: number;
  readonly child: ChildProcess;
  /** What `readyWhen` returned for the line that made the process ready. */
  readonly ready: R;
  /** Every line seen so far, stdout and stderr interleaved, for assertions and failure messages. */
  readonly lines: string[];
  /** Sends a signal (SIGKILL for crash tests) and resolves when the process has exited. */
  kill(signal?: NodeJS.Signals): Promise<ExitResult>;
  /** SIGTERM, then SIGKILL after `graceMs`. */
  stop(graceMs?: number): Promise<ExitResult>;
  readonly exited: Promise<ExitResult>;
}

export interface ExitResult {
  code: number | null;
  signal: NodeJS.Signals | null;
}

const running = new Set<ChildProcess>();
// A test that fails before its cleanup runs must not leave servers behind.
process.once('exit', () => {
  for (const c of running) c.kill('SIGKILL');
});

/** Spawns a process and waits until a log line says it is ready. */
export function startProcess<R = unknown>(options: StartProcessOptions): Promise<ProcessHandle<R>> {
  const name = options.name ?? options.command;
  const child = spawn(options.command, [...(options.args ?? [])], {
    cwd: options.cwd,
    env: { ...process.env, ...options.env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  running.add(child);
  const lines: string[] = [];
  const exited = new Promise<ExitResult>((resolve) => {
    child.once('exit', (code, signal) => {
      running.delete(child);
      resolve({ code, signal });
    });
  });

  return new Promise<ProcessHandle<R>>((resolve, reject) => {
    let settled = false;
    const timeoutMs = options.startTimeoutMs ?? 15_000;
    const timer = setTimeout(() => {
      fail(new Error(`${name} did not become ready within ${timeoutMs} ms. Output:\n${lines.join('\n')}`));
    }, timeoutMs);
    const fail = (err: Error): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      child.kill('SIGKILL');
      reject(err);
    };
    child.once('error', (err: NodeJS.ErrnoException) => {
      fail(err.code === 'ENOENT' ? new Error(`${name}: command not found: ${options.command}`) : err);
    });
    void exited.then(({ code, signal }) => {
      fail(
        new Error(
          `${name} exited (code ${code}, signal ${signal}) before it was ready. Output:\n${lines.join('\n')}`,
        ),
      );
    });
    const onLine = (line: string): void => {
      lines.push(line);
      if (settled) return;
      let ready: unknown;
      try {
        ready = options.readyWhen(line);
      } catch {
        ready = undefined;
      }
      if (ready === undefined || ready === false || ready === null) return;
      settled = true;
      clearTimeout(timer);
      const kill = async (signal: NodeJS.Signals = 'SIGTERM'): Promise<ExitResult> => {
        if (child.exitCode === null && child.signalCode === null) child.kill(signal);
        return exited;
      };
      resolve({
        pid: child.pid ?? -1,
        child,
        ready: ready as R,
        lines,
        kill,
        exited,
        async stop(graceMs = 10_000) {
          const t = setTimeout(() => child.kill('SIGKILL'), graceMs);
          const result = await kill('SIGTERM');
          clearTimeout(t);
          return result;
        },
      });
    };
    if (child.stdout) createInterface({ input: child.stdout }).on('line', onLine);
    if (child.stderr) createInterface({ input: child.stderr }).on('line', onLine);
  });
}

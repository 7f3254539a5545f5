import { spawnSync } from 'node:child_process';
import { startProcess, type ProcessHandle } from './child-process';

export interface NatsServerHandle {
  /** `nats://127.0.0.1:<port>` */
  readonly url: string;
  readonly port: number;
  readonly pid: number;
  /** Stops the server (SIGTERM). */
  stop(): Promise<void>;
  /** Kills it without a goodbye (SIGKILL): clients see the connection drop. */
  kill(): Promise<void>;
  /** Starts it again on the same port, as a restarted nats-server would come back. */
  restart(): Promise<void>;
}

const INSTALL_HINT =
  'nats-server is needed by the integration tests. Install it with `apt-get install nats-server` ' +
  '(Debian/Ubuntu; `bash scripts/setup --test` does this), or point NATS_SERVER_BIN at the binary.';

export class NatsServerNotFoundError extends Error {
  readonly code = 'TEST_NATS_SERVER_NOT_FOUND';
  constructor(bin: string) {
    super(`nats-server not found (looked for "${bin}"). ${INSTALL_HINT}`);
    this.name = 'NatsServerNotFoundError';
  }
}

function natsBinary(): string {
  return process.env['NATS_SERVER_BIN'] ?? 'nats-server';
}

const LISTENING = /Listening for client connections on [^\s]+:(\d+)/;

/**
 * A private nats-server on a kernel-chosen port (`-p -1`), bound to 127.0.0.1 only. The port is read
 * from the server's own log line. A missing binary fails with an install hint.
 */
export async function startNatsServer(options: { args?: readonly string[] } = {}): Promise<NatsServerHandle> {
  const bin = natsBinary();
  const probe = spawnSync(bin, ['--version'], { encoding: 'utf8' });
  if (probe.error) throw new NatsServerNotFoundError(bin);

  const launch = (port: number): Promise<ProcessHandle<number>> =>
    startProcess<number>({
      name: 'nats-server',
      command: bin,
      args: ['-a', '127.0.0.1', '-p', String(port), '-m', '0', ...(options.args ?? [])],
      readyWhen: (line) => {
        const m = LISTENING.exec(line);
        return m ? Number(m[1]) : undefined;
      },
    });

  let current = await launch(-1);
  const port = current.ready;
  return {
    url: `nats://127.0.0.1:${port}`,
    port,
    get pid() {
      return current.pid;
    },
    async stop() {
      await current.stop();
    },
    async kill() {
      await current.kill('SIGKILL');
    },
    async restart() {
      await current.stop();
      current = await launch(port);
    },
  };
}

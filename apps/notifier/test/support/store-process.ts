import { Metadata, type ServiceError } from '@grpc/grpc-js';
import { createStoreClient } from '@starling/proto';
import {
  makeTempDir,
  startServiceProcess,
  type ProcessHandle,
  type ServicePorts,
  type TempDir,
} from '@starling/test-harness';

type Callback<Res> = (err: ServiceError | null, res?: Res) => void;
type UnaryMethod<Req, Res> = (
  req: Req,
  metadata: Metadata,
  options: { deadline?: number },
  cb: Callback<Res>,
) => unknown;

/** Promisifies a typed unary client method: `await call(client, client.appendMessages, req)`. */
export function call<Req, Res>(client: object, method: UnaryMethod<Req, Res>, request: Req): Promise<Res> {
  return new Promise<Res>((resolve, reject) => {
    method.call(client, request, new Metadata(), { deadline: Date.now() + 10_000 }, (err, res) =>
      err ? reject(err) : resolve(res as Res),
    );
  });
}

/** FNV-1a 32-bit over UTF-8, as the store contract shards topics (proto/starling/store/v1/store.proto). */
export function shardOf(firstLevel: string, shardCount: number): number {
  let h = 0x811c9dc5;
  for (const b of Buffer.from(firstLevel, 'utf8')) {
    h ^= b;
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h % shardCount;
}

/** `prefix-0`, `prefix-1`, … the first `count` names whose first level lands on `shard`. */
export function namesOnShard(prefix: string, shard: number, shardCount: number, count: number): string[] {
  const out: string[] = [];
  for (let i = 0; out.length < count && i < 100_000; i++) {
    if (shardOf(`${prefix}-${i}`, shardCount) === shard) out.push(`${prefix}-${i}`);
  }
  return out;
}

export interface StoreProcess {
  readonly address: string;
  readonly port: number;
  readonly proc: ProcessHandle<ServicePorts>;
  readonly client: ReturnType<typeof createStoreClient>;
  /** Appends one message per topic (one batch); resolves once the store acknowledged it. */
  append(topics: readonly string[]): Promise<void>;
  registerFilter(filter: string): Promise<void>;
  /** SIGTERM and wait (a clean stop). */
  stop(): Promise<void>;
  /** Starts the store again on the same data directory and the same port. */
  restart(): Promise<void>;
  /** Stops it (if running) and removes its data. */
  destroy(): Promise<void>;
}

/**
 * A real store process (`apps/store/dist/main.js`) on a kernel-chosen port that it keeps across restarts,
 * so a notifier configured with its address finds it again.
 */
export async function startStoreProcess(
  options: { shardIndex?: number; shardCount?: number; env?: Record<string, string> } = {},
): Promise<StoreProcess> {
  const dir: TempDir = makeTempDir('notifier-store');
  const env = (port: number): Record<string, string> => ({
    STORE_DATA_DIR: dir.path,
    STORE_GRPC_HOST: '127.0.0.1',
    STORE_GRPC_PORT: String(port),
    STORE_OPS_PORT: '0',
    STORE_FSYNC: 'async',
    STORE_SHARD_INDEX: String(options.shardIndex ?? 0),
    STORE_SHARD_COUNT: String(options.shardCount ?? 1),
    LOG_LEVEL: 'info',
    ...options.env,
  });
  let proc = await startServiceProcess('store', { env: env(0) });
  const port = proc.ready['grpc']!;
  const address = `127.0.0.1:${port}`;
  const client = createStoreClient(address);
  let running = true;
  return {
    address,
    port,
    get proc() {
      return proc;
    },
    client,
    async append(topics) {
      await call(client, client.appendMessages, {
        messages: topics.map((topic, i) => ({ topic, payload: Buffer.from(String(i)), qos: 1 })),
      });
    },
    async registerFilter(filter) {
      await call(client, client.registerFilter, { filter, holderId: 'notifier-test' });
    },
    async stop() {
      running = false;
      const exit = await proc.stop();
      if (exit.code !== 0)
        throw new Error(`store exited with ${JSON.stringify(exit)}:\n${proc.lines.join('\n')}`);
    },
    async restart() {
      if (running) await proc.stop();
      proc = await startServiceProcess('store', { env: env(port) });
      running = true;
    },
    async destroy() {
      client.close();
      if (running) await proc.kill('SIGKILL');
      running = false;
      dir.remove();
    },
  };
}

import { ConfigError, loadConfig, type ConfigIssue, type Env } from '@starling/config';
import { LOG_LEVELS } from '@starling/observability';

export type FsyncPolicy = 'sync' | 'async';

export interface StoreConfig {
  logLevel: (typeof LOG_LEVELS)[number];
  dataDir: string;
  grpcHost: string;
  grpcPort: number;
  opsPort: number;
  fsync: FsyncPolicy;
  flushIntervalMs: number;
  segmentBytes: number;
  tailCacheBytes: number;
  maxMessageBytes: number;
  maxBatchMessages: number;
  retentionMaxAgeMs: number;
  retentionMaxBytes: number;
  retentionCheckIntervalMs: number;
  pullMaxMessages: number;
  pullMaxBytes: number;
  pullMaxWaitMs: number;
  retainedMatchLimit: number;
  shardIndex: number;
  shardCount: number;
  /**
   * gRPC address (`host:port`) of every shard, in shard order, or empty. With several shards, each asks a
   * client's home shard whether its persistent session still holds the filters it holds here (the sweep of
   * expired sessions' holds); empty turns that off.
   */
  shardAddresses: string[];
}

const HOST_PORT = /^[^\s,]+:(\d{1,5})$/;

/** Every `STORE_*` variable, its default and its meaning; the Helm values use the same names. */
export function loadStoreConfig(env: Env): { config: StoreConfig; unknownVariables: string[] } {
  let loaded: { config: StoreConfig; unknownVariables: string[] };
  try {
    loaded = readStoreConfig(env);
  } catch (err) {
    if (err instanceof ConfigError)
      throw new ConfigError([...err.issues, ...shardAddressIssues(env, undefined)]);
    throw err;
  }
  const issues = shardAddressIssues(env, loaded.config);
  if (issues.length > 0) throw new ConfigError(issues);
  return loaded;
}

/** STORE_SHARD_ADDRESSES: empty, or one `host:port` per shard (checked against STORE_SHARD_COUNT when valid). */
function shardAddressIssues(env: Env, config: StoreConfig | undefined): ConfigIssue[] {
  const raw = env['STORE_SHARD_ADDRESSES'];
  const addresses = (raw ?? '')
    .split(',')
    .map((a) => a.trim())
    .filter((a) => a !== '');
  if (addresses.length === 0) return [];
  const bad = addresses.filter((a) => {
    const port = Number(HOST_PORT.exec(a)?.[1] ?? 0);
    return port < 1 || port > 65535;
  });
  if (bad.length > 0) {
    return [{ variable: 'STORE_SHARD_ADDRESSES', value: raw, problem: `not host:port: ${bad.join(', ')}` }];
  }
  if (config !== undefined && addresses.length !== config.shardCount) {
    return [
      {
        variable: 'STORE_SHARD_ADDRESSES',
        value: raw,
        problem: `names ${addresses.length} shards, STORE_SHARD_COUNT is ${config.shardCount} (one address per shard, in shard order)`,
      },
    ];
  }
  return [];
}

function readStoreConfig(env: Env): { config: StoreConfig; unknownVariables: string[] } {
  return loadConfig(
    env,
    (e) => {
      const shardCount = e.int('STORE_SHARD_COUNT', { default: 1, min: 1, max: 1024 });
      return {
        logLevel: e.oneOf('LOG_LEVEL', LOG_LEVELS, { default: 'info' }),
        dataDir: e.string('STORE_DATA_DIR', { default: './data/store' }),
        grpcHost: e.string('STORE_GRPC_HOST', { default: '0.0.0.0' }),
        grpcPort: e.port('STORE_GRPC_PORT', { default: 7400 }),
        opsPort: e.port('STORE_OPS_PORT', { default: 9401 }),
        // `sync`: an append is acknowledged only once its batch is fsynced. `async`: once it is in the page
        // cache (survives a process crash, not a machine crash), fsynced every STORE_FLUSH_INTERVAL.
        fsync: e.oneOf('STORE_FSYNC', ['sync', 'async'], { default: 'sync' }),
        flushIntervalMs: e.durationMs('STORE_FLUSH_INTERVAL', { default: '200ms', min: 1, max: 60_000 }),
        // Index entries are readable before LMDB commits them; commit rounds start at most this often (ADR 0012, 0023).
        indexCommitIntervalMs: e.durationMs('STORE_INDEX_COMMIT_INTERVAL', {
          default: '1s',
          min: 0,
          max: 10_000,
        }),
        segmentBytes: e.bytes('STORE_SEGMENT_BYTES', { default: '256MiB', min: 64 * 1024, max: 2 ** 40 }),
        tailCacheBytes: e.bytes('STORE_TAIL_CACHE_BYTES', { default: '64MiB', min: 0, max: 2 ** 36 }),
        maxMessageBytes: e.bytes('STORE_MAX_MESSAGE_BYTES', {
          default: '1MiB',
          min: 1024,
          max: 256 * 1024 * 1024,
        }),
        maxBatchMessages: e.int('STORE_MAX_BATCH_MESSAGES', { default: 10_000, min: 1, max: 1_000_000 }),
        // 0 turns a retention limit off.
        retentionMaxAgeMs: e.durationMs('STORE_RETENTION_MAX_AGE', { default: '7d', min: 0 }),
        retentionMaxBytes: e.bytes('STORE_RETENTION_MAX_BYTES', { default: 0, min: 0 }),
        retentionCheckIntervalMs: e.durationMs('STORE_RETENTION_CHECK_INTERVAL', { default: '1m', min: 10 }),
        pullMaxMessages: e.int('STORE_PULL_MAX_MESSAGES', { default: 1000, min: 1, max: 100_000 }),
        pullMaxBytes: e.bytes('STORE_PULL_MAX_BYTES', { default: '4MiB', min: 1024 }),
        pullMaxWaitMs: e.durationMs('STORE_PULL_MAX_WAIT', { default: '30s', min: 0, max: 300_000 }),
        retainedMatchLimit: e.int('STORE_RETAINED_MATCH_LIMIT', { default: 10_000, min: 1 }),
        shardIndex: e.int('STORE_SHARD_INDEX', { default: 0, min: 0, max: shardCount - 1 }),
        shardCount,
        // Checked by shardAddressIssues (a list reader cannot compare it with STORE_SHARD_COUNT).
        shardAddresses: e.list('STORE_SHARD_ADDRESSES', { default: [] }),
      };
    },
    { prefixes: ['STORE_'] },
  );
}

import { ConfigError, loadConfig, type ConfigIssue, type Env } from '@starling/config';
import { LOG_LEVELS } from '@starling/observability';

export interface NotifierConfig {
  logLevel: (typeof LOG_LEVELS)[number];
  /** One `host:port` per store shard; every shard's WatchArrivals stream is watched. */
  storeAddresses: string[];
  /** One or more comma-separated NATS seed URLs. */
  natsUrl: string;
  opsPort: number;
  /**
   * Per-queue coalescing window. The first arrival of a quiet queue is published at once; later arrivals
   * inside the window are merged into one event (newest end offset) published when the window ends.
   */
  coalesceWindowMs: number;
  /**
   * Replayed end offsets published per second, across every store shard (a token bucket). Each reopened
   * store stream first replays the end offset of every non-empty queue; live arrivals are never limited.
   */
  replayEventsPerSecond: number;
  /** The bucket's size: replayed end offsets that may go out at once after a quiet spell. */
  replayBurstEvents: number;
  reconnectMinMs: number;
  reconnectMaxMs: number;
}

/**
 * 10,000/s: a million-queue shard replays in under two minutes, at a rate NATS and the notifier carry beside
 * live traffic without notice, while gateways cover anything not yet replayed with their catch-up pass.
 */
export const DEFAULT_REPLAY_EVENTS_PER_SECOND = 10_000;
/** One store response's worth (the store sends the replay 1000 end offsets at a time). */
export const DEFAULT_REPLAY_BURST = 1_000;

const HOST_PORT = /^(?:\[[0-9a-fA-F:.]+\]|[A-Za-z0-9_.-]+):(\d{1,5})$/;

/** Every `NOTIFIER_*` variable (plus the shared `NATS_URL`, `LOG_LEVEL`); the Helm values use the same names. */
export function loadNotifierConfig(env: Env): { config: NotifierConfig; unknownVariables: string[] } {
  // The reader has no host:port type; check the list here and report it together with every other problem.
  const extra: ConfigIssue[] = [];
  const raw = env['NOTIFIER_STORE_ADDRESSES'];
  if (raw !== undefined && raw.trim() !== '') {
    const parts = raw
      .split(',')
      .map((s) => s.trim())
      .filter((s) => s !== '');
    const bad = invalidStoreAddresses(parts);
    if (parts.length === 0 || bad.length > 0) {
      extra.push({
        variable: 'NOTIFIER_STORE_ADDRESSES',
        value: raw,
        problem: `must be a comma-separated list of host:port (bad: ${bad.join(', ') || 'empty'})`,
      });
    }
  }
  let loaded: { config: NotifierConfig; unknownVariables: string[] };
  try {
    loaded = loadConfig(
      env,
      (e) => {
        const storeAddresses = e.list('NOTIFIER_STORE_ADDRESSES', { default: ['127.0.0.1:7400'] });
        const reconnectMinMs = e.durationMs('NOTIFIER_RECONNECT_MIN', {
          default: '100ms',
          min: 1,
          max: 60_000,
        });
        const config: NotifierConfig = {
          logLevel: e.oneOf('LOG_LEVEL', LOG_LEVELS, { default: 'info' }),
          storeAddresses,
          natsUrl: e.url('NATS_URL', {
            default: 'nats://127.0.0.1:4222',
            schemes: ['nats', 'tls', 'ws', 'wss'],
          }),
          opsPort: e.port('NOTIFIER_OPS_PORT', { default: 9402 }),
          // 2 ms: a hot queue costs gateways at most 500 events/s however fast it is written, and a message
          // that lands inside a burst is never more than 2 ms later than an uncoalesced event would be.
          // 0 turns coalescing off (one event per dispatch batch per queue).
          coalesceWindowMs: e.durationMs('NOTIFIER_COALESCE_WINDOW', { default: '2ms', min: 0, max: 1_000 }),
          replayEventsPerSecond: e.int('NOTIFIER_REPLAY_RATE', {
            default: DEFAULT_REPLAY_EVENTS_PER_SECOND,
            min: 1,
            max: 10_000_000,
          }),
          replayBurstEvents: e.int('NOTIFIER_REPLAY_BURST', {
            default: DEFAULT_REPLAY_BURST,
            min: 1,
            max: 10_000_000,
          }),
          reconnectMinMs,
          reconnectMaxMs: e.durationMs('NOTIFIER_RECONNECT_MAX', {
            default: '5s',
            min: reconnectMinMs,
            max: 300_000,
          }),
        };
        return config;
      },
      { prefixes: ['NOTIFIER_'] },
    );
  } catch (err) {
    if (err instanceof ConfigError) throw new ConfigError([...err.issues, ...extra]);
    throw err;
  }
  if (extra.length > 0) throw new ConfigError(extra);
  return loaded;
}

/** The addresses that are not `host:port` with a port from 1 to 65535 (config validation and tests). */
export function invalidStoreAddresses(addresses: readonly string[]): string[] {
  return addresses.filter((a) => {
    const m = HOST_PORT.exec(a);
    const port = m ? Number(m[1]) : 0;
    return port < 1 || port > 65535;
  });
}

import { Metadata, status, type ClientReadableStream, type ServiceError } from '@grpc/grpc-js';
import type { Logger } from '@starling/observability';
import {
  createStoreClient,
  type ArrivalOutput,
  type GetShardInfoResponseOutput,
  type WatchArrivalsResponseOutput,
} from '@starling/proto';
import { backoffDelayMs } from './backoff';

export interface ShardWatcherOptions {
  /** The store shard's gRPC address, `host:port`. */
  address: string;
  /** Called with each dispatch batch's arrivals, synchronously, in stream order. */
  onArrivals(arrivals: readonly ArrivalOutput[]): void;
  logger: Logger;
  reconnectMinMs: number;
  reconnectMaxMs: number;
  /** Called each time a stream is re-established after a loss (not for the first connect). */
  onReconnected?(): void;
  /** Called whenever `connected` changes. */
  onConnectedChange?(connected: boolean): void;
  random?: () => number;
}

export interface ShardWatcher {
  readonly address: string;
  /** A WatchArrivals stream is open and the shard answered GetShardInfo on this connection. */
  readonly connected: boolean;
  /** The shard index the store reported, once known. */
  readonly shardIndex: number | undefined;
  /** Cancels the stream and any pending reconnect; the watcher never reconnects after this. */
  close(): void;
}

// A dead peer (a store pod whose node vanished) would otherwise keep a stream "open" forever.
const CHANNEL_OPTIONS = {
  'grpc.keepalive_time_ms': 15_000,
  'grpc.keepalive_timeout_ms': 5_000,
  'grpc.keepalive_permit_without_calls': 1,
  // The replay of a shard with many queues arrives in 1000-arrival responses; stay well above that.
  'grpc.max_receive_message_length': 64 * 1024 * 1024,
};
const SHARD_INFO_DEADLINE_MS = 2_000;

/**
 * Watches one store shard's arrivals for as long as it lives. Each (re)connect first asks GetShardInfo
 * (the shard is up and serving), then opens WatchArrivals with `replayEndOffsets`, so the store first
 * sends the end offset of every non-empty queue: whatever was dispatched while no stream was open is
 * announced, and nothing is skipped. A lost stream is reopened after an exponential, jittered backoff;
 * the attempt count resets once a connect succeeds.
 */
export function startShardWatcher(options: ShardWatcherOptions): ShardWatcher {
  const { address, logger } = options;
  const log = logger.child({ component: 'arrivals', store: address });
  const client = createStoreClient(address, undefined, CHANNEL_OPTIONS);
  let stream: ClientReadableStream<WatchArrivalsResponseOutput> | undefined;
  let timer: NodeJS.Timeout | undefined;
  let connected = false;
  let everConnected = false;
  let closed = false;
  let attempt = 0;
  let shardIndex: number | undefined;
  /** Identifies the current connection so late callbacks of an abandoned one are ignored. */
  let generation = 0;

  const setConnected = (value: boolean): void => {
    if (connected === value) return;
    connected = value;
    options.onConnectedChange?.(value);
  };

  const scheduleReconnect = (reason: string): void => {
    setConnected(false);
    if (closed || timer !== undefined) return;
    const delayMs = backoffDelayMs(attempt, {
      minMs: options.reconnectMinMs,
      maxMs: options.reconnectMaxMs,
      ...(options.random ? { random: options.random } : {}),
    });
    attempt++;
    // The first failures of an outage are worth a warning; a store that stays down is logged at debug.
    (attempt <= 3 ? log.warn.bind(log) : log.debug.bind(log))(
      { reason, delayMs, attempt },
      'arrival stream lost',
    );
    timer = setTimeout(() => {
      timer = undefined;
      connect();
    }, delayMs);
  };

  const connect = (): void => {
    if (closed) return;
    const gen = ++generation;
    client.getShardInfo(
      {},
      new Metadata(),
      { deadline: Date.now() + SHARD_INFO_DEADLINE_MS },
      (err: ServiceError | null, info?: GetShardInfoResponseOutput) => {
        if (closed || gen !== generation) return;
        if (err || info === undefined) {
          scheduleReconnect(err ? `GetShardInfo: ${err.details || err.message}` : 'GetShardInfo: no answer');
          return;
        }
        openStream(gen, info);
      },
    );
  };

  const openStream = (gen: number, info: GetShardInfoResponseOutput): void => {
    shardIndex = info.shardIndex;
    const s = client.watchArrivals({ replayEndOffsets: true });
    stream = s;
    let ended = false;
    const lost = (reason: string): void => {
      if (ended) return;
      ended = true;
      if (stream === s) stream = undefined;
      if (closed || gen !== generation) return;
      scheduleReconnect(reason);
    };
    s.on('data', (res: WatchArrivalsResponseOutput) => {
      if (gen === generation && !closed) options.onArrivals(res.arrivals);
    });
    s.on('error', (err: ServiceError) => {
      if (err.code === status.CANCELLED && closed) return;
      lost(`WatchArrivals: ${status[err.code] ?? err.code} ${err.details || err.message}`);
    });
    s.on('end', () => lost('WatchArrivals ended'));
    attempt = 0;
    setConnected(true);
    log.info(
      { shard: info.shardIndex, shardCount: info.shardCount, reconnect: everConnected },
      'watching arrivals',
    );
    if (everConnected) options.onReconnected?.();
    everConnected = true;
  };

  connect();

  return {
    address,
    get connected() {
      return connected;
    },
    get shardIndex() {
      return shardIndex;
    },
    close() {
      if (closed) return;
      closed = true;
      if (timer !== undefined) clearTimeout(timer);
      timer = undefined;
      stream?.cancel();
      stream = undefined;
      setConnected(false);
      client.close();
    },
  };
}

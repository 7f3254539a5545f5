import {
  Metadata,
  connectivityState,
  status,
  type ClientReadableStream,
  type ServiceError,
} from '@grpc/grpc-js';
import type { Logger } from '@starling/observability';
import {
  createStoreClient,
  type ArrivalOutput,
  type GetShardInfoResponseOutput,
  type WatchArrivalsResponseOutput,
} from '@starling/proto';
import { backoffDelayMs } from './backoff';
import type { ReplayFeed, ReplayFlow, ReplayStats } from './replay-pacer';
import { encodeWatchArrivalsRequest, WATCH_ARRIVALS_METHOD } from './watch-arrivals-codec';

export interface ShardWatcherOptions {
  /** The store shard's gRPC address, `host:port`. */
  address: string;
  /**
   * Called with each dispatch batch on the live stream, synchronously, in stream order: the bytes of its
   * WatchArrivalsResponse, to read with `forEachArrival` (and not to keep). A throw ends the connection.
   */
  onArrivals(response: Buffer): void;
  /**
   * Takes the replay of each connection (the end offset of every non-empty queue, read on a stream of its
   * own): the feed pauses that stream while it is behind, and is discarded when the connection is lost.
   */
  openReplay(flow: ReplayFlow, onDone: (stats: ReplayStats) => void): ReplayFeed<ArrivalOutput>;
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
  /** Cancels the streams and any pending reconnect; the watcher never reconnects after this. */
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

/** The streams of one connection; `ended` once it was lost or closed (late callbacks are then ignored). */
interface Connection {
  /** Undecoded: see `onArrivals`. */
  readonly live: ClientReadableStream<Buffer>;
  replay: ClientReadableStream<WatchArrivalsResponseOutput> | undefined;
  feed: ReplayFeed<ArrivalOutput> | undefined;
  ended: boolean;
}

/**
 * Watches one store shard's arrivals for as long as it lives. Each (re)connect first asks GetShardInfo
 * (the shard is up and serving), then opens two WatchArrivals streams:
 *
 * 1. the live stream (`replayEndOffsets: false`), read continuously: every dispatch from the moment the
 *    store registered it, which it tells by sending its response headers;
 * 2. then the replay stream (`replayOnly: true`): the end offset of every non-empty queue, so whatever was
 *    dispatched while no stream was open is announced. It is handed to `openReplay`, which paces it
 *    (NOTIFIER_REPLAY_RATE) by pausing the stream; the store ends it with OK once it was all read.
 *
 * Opening the replay only after the live stream is registered means nothing falls between the two: a
 * dispatch is either in the snapshot or on the live stream. A replay on its own stream never holds live
 * arrivals back behind it, however slowly it is paced.
 *
 * A lost stream (either one) ends the connection: the other stream is cancelled, the pending replay is
 * discarded, and both are reopened after an exponential, jittered backoff (the next replay starts over);
 * the attempt count resets once a connect succeeds.
 */
export function startShardWatcher(options: ShardWatcherOptions): ShardWatcher {
  const { address, logger } = options;
  const log = logger.child({ component: 'arrivals', store: address });
  const client = createStoreClient(address, undefined, CHANNEL_OPTIONS);
  let current: Connection | undefined;
  let timer: NodeJS.Timeout | undefined;
  let connected = false;
  let everConnected = false;
  let closed = false;
  let attempt = 0;
  let shardIndex: number | undefined;
  /** Identifies the current connect attempt so late callbacks of an abandoned one are ignored. */
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

  /** Cancels both streams and drops the pending replay (idempotent). */
  const teardown = (c: Connection): void => {
    if (c.ended) return;
    c.ended = true;
    if (current === c) current = undefined;
    c.feed?.discard();
    c.live.cancel();
    c.replay?.cancel();
  };

  const lost = (c: Connection, reason: string): void => {
    if (c.ended) return;
    teardown(c);
    if (closed) return;
    scheduleReconnect(reason);
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
        openLive(info);
      },
    );
  };

  const onStreamError =
    (c: Connection, what: string) =>
    (err: ServiceError): void => {
      if (err.code === status.CANCELLED && (closed || c.ended)) return;
      lost(c, `${what}: ${status[err.code] ?? err.code} ${err.details || err.message}`);
    };

  const openLive = (info: GetShardInfoResponseOutput): void => {
    shardIndex = info.shardIndex;
    const c: Connection = {
      live: client.makeServerStreamRequest<Buffer, Buffer>(
        WATCH_ARRIVALS_METHOD,
        (request) => request,
        (response) => response,
        encodeWatchArrivalsRequest({ replayEndOffsets: false }),
      ),
      replay: undefined,
      feed: undefined,
      ended: false,
    };
    current = c;
    c.live.on('data', (response: Buffer) => {
      if (c.ended) return;
      try {
        options.onArrivals(response);
      } catch (err) {
        lost(c, `WatchArrivals: ${err instanceof Error ? err.message : String(err)}`);
      }
    });
    c.live.on('error', onStreamError(c, 'WatchArrivals'));
    c.live.on('end', () => lost(c, 'WatchArrivals ended'));
    // Headers mean the store has registered the watch (a store that predates them sends its headers with
    // the first arrival: the replay then waits for that).
    c.live.once('metadata', () => {
      if (!c.ended) openReplay(c);
    });
    attempt = 0;
    setConnected(true);
    log.info(
      { shard: info.shardIndex, shardCount: info.shardCount, reconnect: everConnected },
      'watching arrivals',
    );
    if (everConnected) options.onReconnected?.();
    everConnected = true;
  };

  const openReplay = (c: Connection): void => {
    const replay = client.watchArrivals({ replayEndOffsets: true, replayOnly: true });
    c.replay = replay;
    c.feed = options.openReplay({ pause: () => replay.pause(), resume: () => replay.resume() }, (stats) => {
      c.feed = undefined;
      log.info(
        { arrivals: stats.received, published: stats.published, durationMs: Math.round(stats.durationMs) },
        'end offsets replayed',
      );
    });
    replay.on('data', (res: WatchArrivalsResponseOutput) => {
      if (!c.ended) c.feed?.push(res.arrivals);
    });
    // With OK, 'end' comes once every response was read, so the replay is complete.
    replay.on('end', () => {
      if (!c.ended) c.feed?.end();
    });
    replay.on('error', onStreamError(c, 'WatchArrivals replay'));
    watchForGoaway(c);
  };

  /**
   * A paused replay stream would hold up the store's graceful shutdown: the store cannot end the stream
   * before the notifier has read it all. So when the channel leaves READY (the store's GOAWAY at shutdown,
   * or a broken transport) while a replay is in progress, the connection is given up at once; the next one
   * replays again.
   */
  const watchForGoaway = (c: Connection): void => {
    const channel = client.getChannel();
    const watch = (state: connectivityState): void => {
      channel.watchConnectivityState(state, Infinity, () => {
        if (closed || c.ended || c.feed === undefined) return;
        const now = channel.getConnectivityState(false);
        if (now !== connectivityState.READY) {
          lost(c, `channel ${connectivityState[now]} during the replay`);
          return;
        }
        watch(now);
      });
    };
    watch(channel.getConnectivityState(false));
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
      if (current !== undefined) teardown(current);
      setConnected(false);
      client.close();
    },
  };
}

import { randomBytes } from 'node:crypto';
import { status, type CallOptions, type ServiceError } from '@grpc/grpc-js';
import { validateTopicName } from '@starling/mqtt-topic';
import type { Logger } from '@starling/observability';
import {
  createStoreClient,
  type CloseSessionResponseOutput,
  type CommitOffsetsResponseOutput,
  type FetchOffsetsResponseOutput,
  type GetSessionResponseOutput,
  type MatchRetainedResponseOutput,
  type QueueMessageOutput,
  type OpenSessionResponseOutput,
  type PullMessagesResponseOutput,
  type RegisterFilterResponseOutput,
  type RenewOwnerLeaseResponseOutput,
  type SubscriptionOutput,
  type UnregisterFilterResponseOutput,
  type UpdateSessionResponseOutput,
} from '@starling/proto';
import type { GatewayMetrics } from '../metrics';
import type {
  AppendOutcome,
  AppendRequest,
  Fenced,
  FilterQueues,
  OffsetCommit,
  OpenedSession,
  PullResult,
  RetainedMessage,
  StoreAccess,
  StoredQueueInFlight,
  StoredSubscription,
} from '../types';
import { Appender, batchSender } from './appender';
import type { StoreClient } from './store-client';
import {
  filterQueue,
  offsetCommitToWire,
  propertiesToWire,
  queueToWire,
  queuedMessageFromWire,
  retainedFromWire,
  storedInFlightFromWire,
  toQoS,
  willToWire,
} from './convert';
import {
  QueueNotFoundError,
  QueueOffsetPastEndError,
  StoreAccessClosedError,
  StoreUnavailableError,
} from './errors';
import { FilterLeases } from './filter-leases';
import { OwnerLease } from './owner-lease';
import { isServiceError, reasonOf, unary } from './grpc-call';
import { shardOfClient, shardOfTopic, shardsOfFilter } from './sharding';

export interface StoreDeadlines {
  /** Every call but appends and pulls. */
  readonly callMs: number;
  /** AppendMessages: includes the store's fsync. */
  readonly appendMs: number;
  /** PullMessages (no long poll: the gateway pulls on arrival events). */
  readonly pullMs: number;
}

export const DEFAULT_STORE_DEADLINES: StoreDeadlines = { callMs: 5_000, appendMs: 5_000, pullMs: 2_000 };

export interface StoreAccessOptions {
  /** Store shard addresses ('host:port'): shard i is addresses[i]. */
  readonly addresses: readonly string[];
  /**
   * One client per shard instead of gRPC clients to `addresses` (standalone: the store in this process, called
   * without HTTP/2 and protobuf on the hot calls). The store access closes them.
   */
  readonly clients?: readonly StoreClient[];
  /**
   * Per shard, for a store in this process (standalone): its dispatch batches' messages of a queue, pushed
   * to the queue's reader (ADR 0019). Shards without one are read by pulls only.
   */
  readonly localQueues?: ReadonlyArray<LocalQueueSource | undefined>;
  /** This gateway's stable id: session owner and clean-session filter holder. */
  readonly gatewayId: string;
  readonly logger: Logger;
  readonly metrics?: GatewayMetrics | undefined;
  readonly appendMaxBatchMessages: number;
  /** Estimated bytes per AppendMessages call; default 3 MiB (the store accepts at least 4 MiB). */
  readonly appendMaxBatchBytes?: number;
  /** When set, larger payloads are refused before joining a batch (the store's STORE_MAX_MESSAGE_BYTES). */
  readonly maxMessageBytes?: number;
  /** Lease of clean-session filter registrations; renewed every third of it. */
  readonly filterLeaseMs: number;
  /** Lease as session owner on every shard (default 30 s); renewed every third of it (ADR 0013). */
  readonly ownerLeaseMs?: number;
  readonly deadlines?: Partial<StoreDeadlines>;
}

/** A store shard in this process, as `StoreServer.watchQueue` offers it. */
export interface LocalQueueSource {
  watchQueue(
    queue: { readonly kind: 'topic' | 'filter'; readonly name: string },
    listener: (messages: readonly QueueMessageOutput[], endOffset: number) => void,
  ): () => void;
}

/** What the store access knows beyond the StoreAccess seam (tests, metrics). */
export interface StoreAccessHandle extends StoreAccess {
  /** Local users of a clean-session filter registration (0 when not registered by this gateway). */
  filterRefs(filter: string): number;
}

const STALE: { readonly status: 'stale-epoch' } = Object.freeze({ status: 'stale-epoch' });
const OK: { readonly status: 'ok' } = Object.freeze({ status: 'ok' });

function isStaleEpoch(e: unknown): boolean {
  return isServiceError(e) && e.code === status.FAILED_PRECONDITION && reasonOf(e) === 'stale-epoch';
}

function hasCode(e: unknown, code: status): e is ServiceError {
  return isServiceError(e) && e.code === code;
}

/** Framing and fields beside topic and payload, for the batch byte bound (an estimate is enough). */
const MESSAGE_OVERHEAD_BYTES = 64;

/**
 * HTTP/2 receive window of the gateway's store channels (per stream and per connection). Pull answers run up to
 * `GATEWAY_PULL_MAX_BYTES`; with Node's 64 KiB default they would cross in 64 KiB steps, each waiting for a
 * WINDOW_UPDATE from this gateway's event loop (the store opens its own windows likewise for appends).
 */
export const PULL_RECEIVE_WINDOW_BYTES = 16 * 1024 * 1024;

/**
 * StoreAccess over gRPC: one client per shard, routing by store.proto's sharding rules, an Appender per
 * shard, a deadline on every call. Expected outcomes are values; anything unexpected throws
 * StoreUnavailableError (with the gRPC code), or QueueNotFoundError for a pull of an unregistered filter.
 */
export function createStoreAccess(options: StoreAccessOptions): StoreAccessHandle {
  const { addresses, gatewayId, logger } = options;
  if (addresses.length === 0) throw new Error('createStoreAccess: at least one store address is required');
  if (gatewayId === '') throw new Error('createStoreAccess: gatewayId is required');
  const deadlines: StoreDeadlines = { ...DEFAULT_STORE_DEADLINES, ...options.deadlines };
  const shardCount = addresses.length;
  if (options.clients !== undefined && options.clients.length !== addresses.length) {
    throw new Error('createStoreAccess: one client per store address is required');
  }
  const clients: readonly StoreClient[] =
    options.clients ??
    addresses.map((a) =>
      createStoreClient(a, undefined, { 'grpc-node.flow_control_window': PULL_RECEIVE_WINDOW_BYTES }),
    );
  const appenders = clients.map(
    (client, shard) =>
      new Appender({
        shard,
        sender: batchSender(client, deadlines.appendMs),
        maxBatchMessages: options.appendMaxBatchMessages,
        maxBatchBytes: options.appendMaxBatchBytes ?? 3 * 1024 * 1024,
        logger: logger.child({ component: 'appender', shard }),
        metrics: options.metrics,
      }),
  );
  let closed = false;
  // A gateway restarted under the same name is another owner: the store must not take it for the dead one.
  const ownerId = `${gatewayId}~${randomBytes(6).toString('hex')}`;

  // Filters of persistent sessions registered on shards other than the home shard (holder = client id).
  // The home shard registers and unregisters its own copy through UpdateSession / CloseSession; these we
  // must release ourselves when the subscription or the session goes.
  const remoteFilters = new Map<string, Set<string>>();

  function client(shard: number): StoreClient {
    if (closed) throw new StoreAccessClosedError();
    const c = clients[shard];
    if (c === undefined) throw new Error(`no store shard ${shard} (there are ${shardCount})`);
    return c;
  }

  function unexpected(method: string, shard: number, e: unknown): Error {
    if (e instanceof StoreUnavailableError || e instanceof StoreAccessClosedError) return e;
    if (isServiceError(e)) {
      return new StoreUnavailableError(method, shard, e.code, `${status[e.code] ?? e.code}: ${e.details}`, {
        cause: e,
      });
    }
    return new StoreUnavailableError(method, shard, undefined, String(e), { cause: e });
  }

  /** One unary call on one shard, with a deadline; the caller decides what its gRPC errors mean. */
  async function rpc<Res>(
    shard: number,
    invoke: (c: StoreClient, o: CallOptions, cb: (err: ServiceError | null, res?: Res) => void) => unknown,
    deadlineMs = deadlines.callMs,
  ): Promise<Res> {
    const c = client(shard);
    return unary<Res>((o, cb) => invoke(c, o, cb), deadlineMs);
  }

  async function fenced<T>(method: string, shard: number, run: () => Promise<T>): Promise<Fenced<T>> {
    try {
      return await run();
    } catch (e) {
      if (isStaleEpoch(e)) return STALE;
      throw unexpected(method, shard, e);
    }
  }

  async function guarded<T>(method: string, shard: number, run: () => Promise<T>): Promise<T> {
    try {
      return await run();
    } catch (e) {
      throw unexpected(method, shard, e);
    }
  }

  function registerOn(shard: number, filter: string, holderId: string, leaseMs: number) {
    return guarded('RegisterFilter', shard, () =>
      rpc<RegisterFilterResponseOutput>(shard, (c, o, cb) =>
        c.RegisterFilter({ filter, holderId, leaseMs }, o, cb),
      ),
    );
  }

  function unregisterOn(shard: number, filter: string, holderId: string) {
    return guarded('UnregisterFilter', shard, () =>
      rpc<UnregisterFilterResponseOutput>(shard, (c, o, cb) =>
        c.UnregisterFilter({ filter, holderId }, o, cb),
      ),
    );
  }

  function remoteShardsOf(filter: string, home: number): number[] {
    return shardsOfFilter(filter, shardCount).filter((s) => s !== home);
  }

  async function releaseRemoteFilters(clientId: string, filters: Iterable<string>): Promise<void> {
    const home = shardOfClient(clientId, shardCount);
    const calls: Array<Promise<unknown>> = [];
    for (const filter of filters) {
      for (const s of remoteShardsOf(filter, home)) calls.push(unregisterOn(s, filter, clientId));
    }
    await Promise.all(calls);
  }

  /** Committed offsets of stored subscriptions: home shard's from the session, the others' fetched. */
  async function storedSubscriptions(
    clientId: string,
    home: number,
    subscriptions: readonly SubscriptionOutput[],
  ): Promise<StoredSubscription[]> {
    const byShard = new Map<number, string[]>();
    for (const sub of subscriptions) {
      for (const s of remoteShardsOf(sub.filter, home)) {
        const list = byShard.get(s) ?? [];
        list.push(sub.filter);
        byShard.set(s, list);
      }
    }
    const remote = new Map<string, Map<number, number>>();
    const remoteInFlight = new Map<string, Map<number, StoredQueueInFlight>>();
    await Promise.all(
      [...byShard].map(async ([shard, filters]) => {
        const r = await guarded('FetchOffsets', shard, () =>
          rpc<FetchOffsetsResponseOutput>(shard, (c, o, cb) =>
            c.FetchOffsets(
              {
                consumer: { kind: 'CONSUMER_KIND_SESSION', id: clientId },
                queues: filters.map((f) => queueToWire({ kind: 'filter', name: f })),
              },
              o,
              cb,
            ),
          ),
        );
        for (const o of r.offsets) {
          if (o.queue === null) continue;
          const m = remote.get(o.queue.name) ?? new Map<number, number>();
          m.set(shard, o.offset);
          remote.set(o.queue.name, m);
          if (o.sentBelow === undefined && o.inFlight.length === 0) continue; // nothing recorded (ADR 0014)
          const inFlight = remoteInFlight.get(o.queue.name) ?? new Map<number, StoredQueueInFlight>();
          inFlight.set(shard, storedInFlightFromWire(o.sentBelow, o.inFlight));
          remoteInFlight.set(o.queue.name, inFlight);
        }
      }),
    );
    return subscriptions.map((sub) => {
      const committedOffsets = new Map<number, number>();
      const inFlight = new Map<number, StoredQueueInFlight>();
      const shards = shardsOfFilter(sub.filter, shardCount);
      if (shards.includes(home) && sub.committedOffset !== undefined) {
        committedOffsets.set(home, sub.committedOffset);
        if (sub.sentBelow !== undefined || sub.inFlight.length > 0)
          inFlight.set(home, storedInFlightFromWire(sub.sentBelow, sub.inFlight));
      }
      for (const [shard, offset] of remote.get(sub.filter) ?? []) committedOffsets.set(shard, offset);
      for (const [shard, state] of remoteInFlight.get(sub.filter) ?? []) inFlight.set(shard, state);
      const stored = { filter: sub.filter, qos: toQoS(sub.qos), committedOffsets };
      return inFlight.size > 0 ? { ...stored, inFlight } : stored;
    });
  }

  const lapseListeners: Array<(lapsed: FilterQueues) => void> = [];
  const leases = new FilterLeases({
    leaseMs: options.filterLeaseMs,
    logger: logger.child({ component: 'filter-leases' }),
    async register(filter, leaseMs) {
      return Promise.all(
        shardsOfFilter(filter, shardCount).map(async (shard) => {
          const r = await registerOn(shard, filter, gatewayId, leaseMs);
          return { queue: filterQueue(shard, filter), endOffset: r.endOffset, created: r.created };
        }),
      );
    },
    onLapsed(lapsed) {
      for (const listener of lapseListeners) listener(lapsed);
    },
    async unregister(filter) {
      await Promise.all(shardsOfFilter(filter, shardCount).map((s) => unregisterOn(s, filter, gatewayId)));
    },
  });

  const ownerLapseListeners: Array<(shard: number) => void> = [];
  const ownerLease = new OwnerLease({
    shardCount,
    leaseMs: options.ownerLeaseMs ?? 30_000,
    logger: logger.child({ component: 'owner-lease' }),
    async renew(shard, leaseMs) {
      const r = await rpc<RenewOwnerLeaseResponseOutput>(shard, (c, o, cb) =>
        c.RenewOwnerLease({ ownerId, gatewayId, leaseMs }, o, cb),
      );
      return r.lapsed;
    },
    onLapsed(shard) {
      options.metrics?.ownerLeaseLapses.inc();
      for (const listener of ownerLapseListeners) listener(shard);
    },
    onRenewalFailed: () => options.metrics?.ownerLeaseRenewalFailures.inc(),
  });

  const access: StoreAccessHandle = {
    shardCount,
    ownerId,

    append(request: AppendRequest): Promise<AppendOutcome> {
      if (closed) return Promise.resolve({ status: 'unavailable', message: 'store access is closed' });
      // Refuse up front what the store would refuse: a bad message must not join (and fail) a batch of
      // other publishers' messages, as the store validates a batch all-or-nothing.
      const topic = validateTopicName(request.topic);
      if (!topic.ok) {
        return Promise.resolve({ status: 'rejected', reason: 'invalid-topic', message: topic.message });
      }
      if (request.qos !== 0 && request.qos !== 1 && request.qos !== 2) {
        return Promise.resolve({
          status: 'rejected',
          reason: 'invalid-qos',
          message: `QoS must be 0, 1 or 2, not ${String(request.qos)}`,
        });
      }
      if (options.maxMessageBytes !== undefined && request.payload.length > options.maxMessageBytes) {
        return Promise.resolve({
          status: 'rejected',
          reason: 'message-too-large',
          message: `payload of ${request.payload.length} bytes is over the limit of ${options.maxMessageBytes}`,
        });
      }
      const shard = shardOfTopic(request.topic, shardCount);
      const appender = appenders[shard]!;
      const bytes = request.payload.length + Buffer.byteLength(request.topic) + MESSAGE_OVERHEAD_BYTES;
      return appender.append(
        {
          topic: request.topic,
          payload: request.payload,
          qos: request.qos,
          retain: request.retain,
          // 0: the store stamps its append time (the clock of every other timestamp a reader sees).
          timestampMs: 0,
          publisherClientId: request.publisherClientId,
          properties: propertiesToWire(request.properties),
        },
        bytes,
      );
    },

    async openSession({ clientId, cleanStart, sessionExpiryIntervalSeconds, will }): Promise<OpenedSession> {
      const home = shardOfClient(clientId, shardCount);
      // The owner before us is read first, then the session opened: OpenSession answers with the session
      // as it is after opening, whose owner is us. Between the two calls another gateway may open it too;
      // then we name the owner before that one, and the takeover request goes to a gateway that no longer
      // owns the session — harmless: the store's epoch fences whichever owner is stale, and the newest
      // OpenSession wins.
      const before = await guarded('GetSession', home, () =>
        rpc<GetSessionResponseOutput>(home, (c, o, cb) => c.GetSession({ clientId }, o, cb)),
      );
      const stored = before.found ? before.session : null;
      // Only a connected session has an owner to ask; a disconnected one has nobody to take over from.
      const previousOwnerId = stored !== null && stored.disconnectedAtMs === 0 ? stored.ownerId : '';
      const opened = await guarded('OpenSession', home, () =>
        rpc<OpenSessionResponseOutput>(home, (c, o, cb) =>
          c.OpenSession(
            {
              clientId,
              ownerId,
              cleanStart,
              sessionExpiryIntervalSeconds,
              will: will ? willToWire(will) : null,
            },
            o,
            cb,
          ),
        ),
      );
      if (cleanStart && stored !== null && shardCount > 1) {
        // The home shard discarded its registrations; the copies on other shards are ours to drop.
        await releaseRemoteFilters(
          clientId,
          stored.subscriptions.map((s) => s.filter),
        );
        remoteFilters.delete(clientId);
      }
      const subscriptions = opened.session?.subscriptions ?? [];
      if (shardCount > 1) {
        const remote = subscriptions.filter((s) => remoteShardsOf(s.filter, home).length > 0);
        if (remote.length > 0) remoteFilters.set(clientId, new Set(remote.map((s) => s.filter)));
      }
      return {
        sessionPresent: opened.sessionPresent,
        epoch: opened.epoch,
        previousOwnerId,
        lastOwnerId: stored?.ownerId ?? '',
        disconnectedAtMs: stored === null ? 0 : Number(stored.disconnectedAtMs),
        subscriptions: await storedSubscriptions(clientId, home, subscriptions),
        sessionIds: {
          pendingPubrels: opened.session?.pendingPubrels ?? [],
          inboundQos2Ids: opened.session?.inboundQos2Ids ?? [],
        },
      };
    },

    async updateSession({ clientId, epoch, add = [], remove = [], will }) {
      const home = shardOfClient(clientId, shardCount);
      return fenced('UpdateSession', home, async () => {
        const r = await rpc<UpdateSessionResponseOutput>(home, (c, o, cb) =>
          c.UpdateSession(
            {
              clientId,
              epoch,
              addSubscriptions: add.map(({ filter, qos }) => ({ filter, qos })),
              removeFilters: [...remove],
              updateWill: will !== undefined,
              will: will ? willToWire(will) : null,
            },
            o,
            cb,
          ),
        );
        const remote = remoteFilters.get(clientId) ?? new Set<string>();
        // The store applies removals before additions; so do we on the other shards.
        const removedRemote = remove.filter((f) => remote.has(f) && !add.some((a) => a.filter === f));
        await releaseRemoteFilters(clientId, removedRemote);
        for (const f of removedRemote) remote.delete(f);

        const committed = new Map<string, number | undefined>(
          (r.session?.subscriptions ?? []).map((s) => [s.filter, s.committedOffset]),
        );
        const added: FilterQueues[] = await Promise.all(
          add.map(async ({ filter }) => {
            const queues = await Promise.all(
              shardsOfFilter(filter, shardCount).map(async (shard) => {
                if (shard === home) {
                  // The store set the committed offset of a new subscription to the queue's end, and kept
                  // it for a replaced one.
                  const offset = committed.get(filter);
                  if (offset !== undefined) return { queue: filterQueue(shard, filter), endOffset: offset };
                }
                // Another shard's copy (wildcard first level, or a literal first level that is not the
                // home shard's): held by the client id without a lease, like the home shard's copy, and
                // read from its end. (A replaced subscription also restarts there on those shards.)
                remote.add(filter);
                const reg = await registerOn(shard, filter, clientId, 0);
                return { queue: filterQueue(shard, filter), endOffset: reg.endOffset };
              }),
            );
            return { filter, queues };
          }),
        );
        if (remote.size > 0) remoteFilters.set(clientId, remote);
        else remoteFilters.delete(clientId);
        return { status: 'ok' as const, added };
      });
    },

    async closeSession({ clientId, epoch, discard, publishWill }) {
      const home = shardOfClient(clientId, shardCount);
      return fenced('CloseSession', home, async () => {
        try {
          await rpc<CloseSessionResponseOutput>(home, (c, o, cb) =>
            c.CloseSession({ clientId, epoch, disconnectedAtMs: Date.now(), discard, publishWill }, o, cb),
          );
        } catch (e) {
          // Already gone (deleted, expired): closing is idempotent.
          if (!hasCode(e, status.NOT_FOUND)) throw e;
        }
        const remote = remoteFilters.get(clientId);
        remoteFilters.delete(clientId);
        if (discard && remote !== undefined) await releaseRemoteFilters(clientId, remote);
        return OK;
      });
    },

    async commitOffsets(clientId, epoch, offsets, sessionIds) {
      const byShard = new Map<number, OffsetCommit[]>();
      for (const o of offsets) {
        const list = byShard.get(o.queue.shard) ?? [];
        list.push(o);
        byShard.set(o.queue.shard, list);
      }
      // The session's identifiers go to its home shard, with that shard's offsets (or alone).
      const home = shardOfClient(clientId, shardCount);
      if (sessionIds !== undefined && !byShard.has(home)) byShard.set(home, []);
      const results = await Promise.all(
        [...byShard].map(([shard, list]) =>
          fenced('CommitOffsets', shard, () =>
            rpc<CommitOffsetsResponseOutput>(shard, (c, o, cb) =>
              c.CommitOffsets(
                {
                  consumer: { kind: 'CONSUMER_KIND_SESSION', id: clientId },
                  sessionEpoch: epoch,
                  offsets: list.map(offsetCommitToWire),
                  ...(shard === home && sessionIds !== undefined
                    ? {
                        replaceSessionIds: true,
                        pendingPubrels: [...sessionIds.pendingPubrels],
                        inboundQos2Ids: [...sessionIds.inboundQos2Ids],
                      }
                    : {}),
                },
                o,
                cb,
              ),
            ),
          ),
        ),
      );
      return results.some((r) => 'status' in r && r.status === 'stale-epoch') ? STALE : OK;
    },

    registerFilter(filter, leaseMs) {
      if (closed) return Promise.reject(new StoreAccessClosedError());
      return leases.acquire(filter, leaseMs);
    },

    unregisterFilter(filter) {
      return leases.release(filter);
    },

    onFilterLapsed(listener) {
      lapseListeners.push(listener);
    },

    onOwnerLapsed(listener) {
      ownerLapseListeners.push(listener);
    },

    renewFilter(filter) {
      if (!closed) leases.renew(filter);
    },

    watchQueue(queue, listener) {
      const local = options.localQueues?.[queue.shard];
      if (local === undefined || closed) return undefined;
      return local.watchQueue({ kind: queue.kind, name: queue.name }, (messages, endOffset) =>
        listener(messages.map(queuedMessageFromWire), endOffset),
      );
    },

    async pull(queue, fromOffset, maxMessages, maxBytes): Promise<PullResult> {
      let r: PullMessagesResponseOutput;
      try {
        r = await rpc<PullMessagesResponseOutput>(
          queue.shard,
          (c, o, cb) =>
            c.PullMessages(
              { queue: queueToWire(queue), fromOffset, maxMessages, maxBytes, waitMs: 0 },
              o,
              cb,
            ),
          deadlines.pullMs,
        );
      } catch (e) {
        if (hasCode(e, status.NOT_FOUND)) throw new QueueNotFoundError(queue.shard, queue.name, e.details);
        if (hasCode(e, status.OUT_OF_RANGE)) {
          throw new QueueOffsetPastEndError(queue.shard, queue.name, e.details);
        }
        throw unexpected('PullMessages', queue.shard, e);
      }
      return {
        messages: r.messages.map(queuedMessageFromWire),
        lowOffset: r.lowOffset,
        endOffset: r.endOffset,
        nextOffset: r.nextOffset,
        resetToLowOffset: r.resetToLowOffset,
      };
    },

    async matchRetained(filter): Promise<readonly RetainedMessage[]> {
      const perShard = await Promise.all(
        shardsOfFilter(filter, shardCount).map(async (shard) => {
          try {
            const r = await rpc<MatchRetainedResponseOutput>(shard, (c, o, cb) =>
              c.MatchRetained({ filter }, o, cb),
            );
            return r.messages.map(retainedFromWire);
          } catch (e) {
            if (hasCode(e, status.RESOURCE_EXHAUSTED)) {
              // More matches than the store's limit: the subscription stands, without retained messages
              // from this shard (sending a truncated, arbitrary subset would be worse).
              logger.warn({ filter, shard, reason: reasonOf(e) }, 'too many retained messages match');
              return [];
            }
            throw unexpected('MatchRetained', shard, e);
          }
        }),
      );
      const merged = perShard.flat();
      if (perShard.length > 1) merged.sort((a, b) => (a.topic < b.topic ? -1 : a.topic > b.topic ? 1 : 0));
      return merged;
    },

    filterRefs(filter) {
      return leases.refs(filter);
    },

    async close() {
      if (closed) return;
      leases.close();
      ownerLease.close();
      // Pending publishes still get their answer (acknowledged or not) before the clients go.
      await Promise.all(appenders.map((a) => a.close()));
      closed = true;
      for (const c of clients) c.close();
    },
  };
  return access;
}

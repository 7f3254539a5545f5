import { Metadata, status, type ServerWritableStream } from '@grpc/grpc-js';
import {
  encodeWatchArrivalsResponse,
  malformedRequestOf,
  writeEncodedWatchArrivals,
  type EncodedWatchArrivalsResponse,
  type StoreServiceHandlers,
  type WatchArrivalsRequestOutput,
  type WatchArrivalsResponse,
} from '@starling/proto';
import { validateTopicFilter } from '@starling/mqtt-topic';
import type { ArrivalNotice } from '../arrival-hub';
import type { Store } from '../store';
import type { ConsumerRef } from '../state';
import type { QueueRef } from '../queues';
import { shardOfClient } from '../sharding';
import {
  messageToWire,
  retainedToWire,
  queueFromWire,
  queueToWire,
  queueOffsetFromWire,
  queueOffsetToWire,
  sessionToWire,
  subscriptionFromWire,
  willFromWire,
} from './convert';
import { handleAppendStream } from './append-stream';
import { msUntilDeadline, unary, type HandlerContext } from './handler';
import {
  StoreRequestError,
  appendPositions,
  failedPrecondition,
  invalidArgument,
  notFound,
  resourceExhausted,
} from './status';
import type { PullOutcome } from '../store';
import { MAX_OWNER_LEASE_MS, type OwnerLeases } from '../owner-leases';

export interface StoreServiceLimits {
  pullMaxMessages: number;
  pullMaxBytes: number;
  pullMaxWaitMs: number;
  retainedMatchLimit: number;
  /** Batches of one AppendStream worked on at once (see append-stream.ts). */
  appendStreamMaxBatches: number;
}

/** Throws the gRPC error for a refused pull; narrows to the ok outcome otherwise. */
export function pullResult(outcome: PullOutcome, queueName: string): Extract<PullOutcome, { status: 'ok' }> {
  switch (outcome.status) {
    case 'ok':
      return outcome;
    case 'unknown-filter':
      throw notFound(
        'unknown-queue',
        `filter "${queueName}" is not registered on this shard: register it first`,
      );
    case 'wrong-shard':
      throw failedPrecondition('wrong-shard', `queue "${queueName}" belongs to shard ${outcome.shard}`);
    case 'offset-out-of-range':
      throw new StoreRequestError(
        status.OUT_OF_RANGE,
        'offset-out-of-range',
        `offset is past the end of queue "${queueName}" (end offset ${outcome.endOffset})`,
      );
  }
}

function requireId(value: string, what: string): string {
  if (value === '') throw invalidArgument(`missing-${what.replace(/ /g, '-')}`, `${what} is required`);
  return value;
}

function consumerFromWire(ref: { kind: string; id: string } | null): ConsumerRef {
  if (!ref) throw invalidArgument('invalid-consumer', 'consumer is required');
  const id = requireId(ref.id, 'consumer id');
  if (ref.kind === 'CONSUMER_KIND_SESSION') return { kind: 'session', id };
  if (ref.kind === 'CONSUMER_KIND_GROUP') return { kind: 'group', id };
  throw invalidArgument(
    'invalid-consumer',
    'consumer kind must be CONSUMER_KIND_SESSION or CONSUMER_KIND_GROUP',
  );
}

function staleEpoch(clientId: string, currentEpoch: number): StoreRequestError {
  return failedPrecondition(
    'stale-epoch',
    `session "${clientId}" has moved on to epoch ${currentEpoch}: this owner was fenced (taken over)`,
  );
}

/** QueueKind's number on the wire (QUEUE_KIND_TOPIC = 1, QUEUE_KIND_FILTER = 2), as queueToWire names it. */
function queueKindValue(queue: QueueRef): number {
  return queue.kind === 'topic' ? 1 : 2;
}

/** Every RPC of starling.store.v1.StoreService over one Store. */
export function createStoreServiceHandlers(
  store: Store,
  context: HandlerContext,
  limits: StoreServiceLimits,
  /** Open WatchArrivals streams; the server ends them at shutdown (they never end by themselves). */
  streams: Set<{ end(): void }>,
  ownerLeases: OwnerLeases,
): StoreServiceHandlers {
  const shard = store.shardIndex;
  const checkHomeShard = (clientId: string): void => {
    const home = shardOfClient(clientId, store.shardCount);
    if (home !== shard) {
      throw failedPrecondition('wrong-shard', `client "${clientId}" has its session on shard ${home}`);
    }
  };

  // The arrival hub hands each dispatch batch, one array, to every live watcher in turn: the batch is encoded
  // for the first and its bytes are shared by the rest (ADR 0018). A replay batch is a new array per watcher.
  let lastArrivals: readonly ArrivalNotice[] | undefined;
  let lastEncoded: EncodedWatchArrivalsResponse | undefined;
  const encodeArrivals = (arrivals: readonly ArrivalNotice[]): EncodedWatchArrivalsResponse => {
    if (arrivals !== lastArrivals || lastEncoded === undefined) {
      lastEncoded = encodeWatchArrivalsResponse(arrivals, shard, queueKindValue);
      lastArrivals = arrivals;
    }
    return lastEncoded;
  };

  return {
    AppendMessages: unary(context, 'AppendMessages', async (req) => {
      const malformed = malformedRequestOf(req);
      if (malformed)
        throw invalidArgument('malformed-request', `AppendMessagesRequest: ${malformed.message}`);
      // The decoded messages are the store's append input as they are: the same fields, and properties whose
      // all-default form the record encoder already reads as "none" (see propertiesFromWire).
      const outcome = await store.append(req.messages);
      return { positions: [...appendPositions(outcome)], shard };
    }),

    PullMessages: unary(context, 'PullMessages', async (req, call) => {
      const queue = queueFromWire(req.queue);
      // Answer before the caller's deadline: an empty answer is useful, DEADLINE_EXCEEDED is not.
      const waitMs = Math.max(0, Math.min(req.waitMs, limits.pullMaxWaitMs, msUntilDeadline(call) - 50));
      // Only a long poll waits for anything a cancellation could cut short (gateways pull without waiting,
      // hundreds of times a second: no AbortController for those).
      let signal: AbortSignal | undefined;
      if (waitMs > 0) {
        const abort = new AbortController();
        call.once('cancelled', () => abort.abort());
        signal = abort.signal;
      }
      const outcome = await store.pull({
        queue,
        fromOffset: req.fromOffset,
        maxMessages: Math.min(req.maxMessages || limits.pullMaxMessages, limits.pullMaxMessages),
        maxBytes: Math.min(req.maxBytes || limits.pullMaxBytes, limits.pullMaxBytes),
        waitMs,
        ...(signal ? { signal } : {}),
      });
      const r = pullResult(outcome, queue.name);
      return {
        messages: r.messages.map(messageToWire),
        lowOffset: r.lowOffset,
        endOffset: r.endOffset,
        nextOffset: r.nextOffset,
        resetToLowOffset: r.resetToLowOffset,
      };
    }),

    RegisterFilter: unary(context, 'RegisterFilter', async (req) => {
      requireId(req.holderId, 'holder id');
      const r = await store.registerFilter(req.filter, req.holderId, req.leaseMs);
      switch (r.status) {
        case 'ok':
          return { queue: queueToWire(r.queue), endOffset: r.endOffset, created: r.created, shard };
        case 'invalid-filter':
          throw invalidArgument('invalid-filter', r.message);
        case 'wrong-shard':
          throw failedPrecondition('wrong-shard', `filter "${req.filter}" belongs to shard ${r.shard}`);
      }
    }),

    UnregisterFilter: unary(context, 'UnregisterFilter', async (req) => {
      requireId(req.holderId, 'holder id');
      const valid = validateTopicFilter(req.filter);
      if (!valid.ok) throw invalidArgument('invalid-filter', valid.message);
      const r = await store.state.filters.unregister(req.filter, req.holderId);
      return { removed: r.removed };
    }),

    CommitOffsets: unary(context, 'CommitOffsets', async (req) => {
      const consumer = consumerFromWire(req.consumer);
      const offsets = req.offsets.map(queueOffsetFromWire);
      const sessionIds = req.replaceSessionIds
        ? { pendingPubrels: req.pendingPubrels, inboundQos2Ids: req.inboundQos2Ids }
        : undefined;
      const r = await store.state.offsets.commit(consumer, req.sessionEpoch, offsets, sessionIds);
      if (r.status === 'stale-epoch') throw staleEpoch(consumer.id, r.currentEpoch);
      return {};
    }),

    FetchOffsets: unary(context, 'FetchOffsets', async (req) => {
      const consumer = consumerFromWire(req.consumer);
      const queues = req.queues.map(queueFromWire);
      const offsets = store.state.offsets.fetch(consumer, queues.length > 0 ? queues : undefined);
      return Promise.resolve({ offsets: offsets.map(queueOffsetToWire) });
    }),

    OpenSession: unary(context, 'OpenSession', async (req) => {
      requireId(req.clientId, 'client id');
      requireId(req.ownerId, 'owner id');
      checkHomeShard(req.clientId);
      const will = willFromWire(req.will);
      const r = await store.state.sessions.open({
        clientId: req.clientId,
        ownerId: req.ownerId,
        cleanStart: req.cleanStart,
        sessionExpiryIntervalSeconds: req.sessionExpiryIntervalSeconds,
        ...(will ? { will } : {}),
      });
      return { sessionPresent: r.sessionPresent, epoch: r.epoch, session: sessionToWire(r.session) };
    }),

    UpdateSession: unary(context, 'UpdateSession', async (req) => {
      requireId(req.clientId, 'client id');
      checkHomeShard(req.clientId);
      const addSubscriptions = req.addSubscriptions.map(subscriptionFromWire);
      for (const s of addSubscriptions) {
        const valid = validateTopicFilter(s.filter);
        if (!valid.ok) throw invalidArgument('invalid-filter', valid.message);
      }
      const will = req.updateWill ? willFromWire(req.will) : undefined;
      // New subscriptions start at their queue's end offset: see Store.registerFilter.
      if (addSubscriptions.length > 0) await store.acknowledgedDispatched();
      const r = await store.state.sessions.update({
        clientId: req.clientId,
        epoch: req.epoch,
        addSubscriptions,
        removeFilters: req.removeFilters,
        updateWill: req.updateWill,
        ...(will ? { will } : {}),
        ...(req.sessionExpiryIntervalSeconds === undefined
          ? {}
          : { sessionExpiryIntervalSeconds: req.sessionExpiryIntervalSeconds }),
      });
      if (addSubscriptions.length > 0 && r.status === 'ok') await store.filtersCommitted();
      switch (r.status) {
        case 'ok':
          return { session: sessionToWire(r.session) };
        case 'stale-epoch':
          throw staleEpoch(req.clientId, r.currentEpoch);
        case 'not-found':
          throw notFound('unknown-session', `no session for client "${req.clientId}"`);
      }
    }),

    CloseSession: unary(context, 'CloseSession', async (req) => {
      requireId(req.clientId, 'client id');
      const r = await store.state.sessions.close({
        clientId: req.clientId,
        epoch: req.epoch,
        disconnectedAtMs: req.disconnectedAtMs,
        discard: req.discard,
        publishWill: req.publishWill,
      });
      switch (r.status) {
        case 'ok':
          return {};
        case 'stale-epoch':
          throw staleEpoch(req.clientId, r.currentEpoch);
        case 'not-found':
          throw notFound('unknown-session', `no session for client "${req.clientId}"`);
      }
    }),

    GetSession: unary(context, 'GetSession', (req) => {
      requireId(req.clientId, 'client id');
      const s = store.state.sessions.get(req.clientId);
      return Promise.resolve(
        s ? { found: true, session: sessionToWire(s) } : { found: false, session: null },
      );
    }),

    DeleteSession: unary(context, 'DeleteSession', async (req) => {
      requireId(req.clientId, 'client id');
      const r = await store.state.sessions.delete(req.clientId, req.epoch);
      switch (r.status) {
        case 'ok':
          return { deleted: true };
        case 'not-found':
          return { deleted: false };
        case 'stale-epoch':
          throw staleEpoch(req.clientId, r.currentEpoch);
      }
    }),

    MatchRetained: unary(context, 'MatchRetained', async (req) => {
      const valid = validateTopicFilter(req.filter);
      if (!valid.ok) throw invalidArgument('invalid-filter', valid.message);
      await store.acknowledgedDispatched();
      const r = store.state.retained.match(req.filter, limits.retainedMatchLimit);
      if (r.status === 'too-many') {
        throw resourceExhausted(
          'too-many-retained',
          `more than ${limits.retainedMatchLimit} retained messages match "${req.filter}"`,
        );
      }
      return { messages: r.messages.map(retainedToWire) };
    }),

    ListRetained: unary(context, 'ListRetained', (req) => {
      const r = store.state.retained.list(Math.min(req.pageSize || 100, 1000), req.pageToken || undefined);
      if (r.status === 'invalid-page-token')
        throw invalidArgument('invalid-page-token', 'page token is not valid');
      return Promise.resolve({
        messages: r.messages.map(retainedToWire),
        nextPageToken: r.nextPageToken,
      });
    }),

    AppendStream: (call) => handleAppendStream(store, context, limits.appendStreamMaxBatches, streams, call),

    WatchArrivals(call: ServerWritableStream<WatchArrivalsRequestOutput, WatchArrivalsResponse>) {
      if (!context.isServing()) {
        call.destroy(
          Object.assign(new Error('the store is starting or shutting down'), { code: status.UNAVAILABLE }),
        );
        return;
      }
      context.metrics?.grpcRequests.inc({ method: 'WatchArrivals', code: 'OK' });
      const write = (arrivals: readonly ArrivalNotice[]): void => {
        // grpc-js buffers what the peer has not read yet; a watcher that stalls costs memory, so the
        // notifier reads live streams continuously and coalesces on its side.
        writeEncodedWatchArrivals(call, encodeArrivals(arrivals));
      };
      if (call.request.replayOnly) {
        // Subscribed and unsubscribed within one tick: the snapshot of end offsets is written and no dispatch
        // can follow it. The watcher reads it at its own pace (the rest waits in grpc-js under HTTP/2 flow
        // control) and gets OK once it has read everything. It is not in `streams`: ending it at shutdown
        // would wait for that read too; the watcher cancels it when the server's GOAWAY arrives.
        store.watchArrivals(write, true)();
        call.end();
        return;
      }
      const unsubscribe = store.watchArrivals(write, call.request.replayEndOffsets);
      // Headers now rather than with the first arrival: the watcher learns that every dispatch from here on
      // is streamed to it, before it opens a replay-only stream.
      call.sendMetadata(new Metadata());
      streams.add(call);
      const end = (): void => {
        unsubscribe();
        streams.delete(call);
      };
      call.once('cancelled', end);
      call.once('close', end);
      call.once('error', end);
    },

    GetShardInfo: unary(context, 'GetShardInfo', () =>
      Promise.resolve({ shardIndex: shard, shardCount: store.shardCount }),
    ),

    RenewOwnerLease: unary(context, 'RenewOwnerLease', async (req) => {
      requireId(req.ownerId, 'owner id');
      if (req.leaseMs === 0) throw invalidArgument('invalid-lease', 'lease_ms must be above 0');
      const leaseMs = Math.min(req.leaseMs, MAX_OWNER_LEASE_MS);
      return ownerLeases.renew(req.ownerId, req.gatewayId === '' ? req.ownerId : req.gatewayId, leaseMs);
    }),
  };
}

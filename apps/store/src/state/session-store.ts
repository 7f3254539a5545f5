import { validateTopicName } from '@starling/mqtt-topic';
import { assertValidFilter, type FilterRegistryOps } from './filter-registry';
import { composeKey, prefixEnd, readTimePart, stringPart, tagPart, timePart } from './key-codec';
import { type ConsumerRef, type InFlight, type OffsetOps, type QueueRef } from './offset-store';
import {
  type PendingWillRecord,
  readSession,
  SESSION_NEVER_EXPIRES,
  type SessionRecord,
  sessionKey,
  type SubscriptionOptions,
  type Will,
} from './session-record';
import { META_LAST_EPOCH, type StateDatabase } from './state-database';
import { invalidArgument } from './state-store-error';
import { type StateWriter, type WriteContext } from './state-writer';

/** A subscription as returned (store.proto `Subscription`). */
export interface Subscription extends SubscriptionOptions {
  /** Committed offset in the filter's queue on this shard; absent when none is committed here. */
  readonly committedOffset?: number;
  /** With the committed offset: every message below it was sent (absent: not recorded). ADR 0014. */
  readonly sentBelow?: number;
  /** With the committed offset: the queue's messages in flight. */
  readonly inFlight?: readonly InFlight[];
}

/** A session's state as returned (store.proto `Session`). */
export interface Session {
  readonly clientId: string;
  readonly ownerId: string;
  readonly epoch: number;
  readonly subscriptions: readonly Subscription[];
  readonly will?: Will;
  readonly sessionExpiryIntervalSeconds: number;
  readonly disconnectedAtMs: number;
  /** Outbound PUBRELs awaiting PUBCOMP held by no queue (ADR 0014). */
  readonly pendingPubrels: readonly number[];
  /** Inbound QoS 2 identifiers awaiting PUBREL (ADR 0014). */
  readonly inboundQos2Ids: readonly number[];
}

export interface OpenSessionRequest {
  readonly clientId: string;
  readonly ownerId: string;
  readonly cleanStart: boolean;
  readonly sessionExpiryIntervalSeconds: number;
  /** The connection's will, replacing a stored one (a connection taken over leaves its own); absent clears it. */
  readonly will?: Will;
}

/** What `releaseOwner` did. */
export interface ReleaseOwnerResult {
  /** Sessions marked disconnected (clean ones deleted). */
  readonly released: number;
  /** Of those, the ones whose will became pending. */
  readonly willsPending: number;
  /** Client ids of those wills (the caller counts their publication). */
  readonly willClientIds: readonly string[];
  /** More sessions of the owner are left: call again. */
  readonly more: boolean;
}

export interface OpenSessionResult {
  /** The CONNACK Session Present flag: stored state was resumed. */
  readonly sessionPresent: boolean;
  readonly epoch: number;
  readonly session: Session;
}

export interface UpdateSessionRequest {
  readonly clientId: string;
  readonly epoch: number;
  /** Added, or replacing the subscription with the same filter (which keeps its offset and place). */
  readonly addSubscriptions?: readonly SubscriptionOptions[];
  /** Applied before additions; unknown filters are ignored. */
  readonly removeFilters?: readonly string[];
  /** When true, `will` replaces the stored will (absent clears it). */
  readonly updateWill?: boolean;
  readonly will?: Will;
  /** Absent keeps the interval. */
  readonly sessionExpiryIntervalSeconds?: number;
}

export interface CloseSessionRequest {
  readonly clientId: string;
  readonly epoch: number;
  /** When the connection ended; 0 means now. */
  readonly disconnectedAtMs: number;
  /** Delete the state now (session expiry 0). */
  readonly discard: boolean;
  /** An ungraceful close: publish the stored will after its delay or at the session's end. */
  readonly publishWill: boolean;
}

export type StaleEpoch = { readonly status: 'stale-epoch'; readonly currentEpoch: number };
export type NotFound = { readonly status: 'not-found' };
export type UpdateSessionResult =
  { readonly status: 'ok'; readonly session: Session } | StaleEpoch | NotFound;
export type CloseSessionResult = { readonly status: 'ok' } | StaleEpoch | NotFound;
export type DeleteSessionResult = { readonly status: 'ok' } | StaleEpoch | NotFound;

export interface DueWill {
  readonly clientId: string;
  readonly will: Will;
  /** The epoch of the connection that left the will, and when it fell due: what `removeWill` checks. */
  readonly epoch: number;
  readonly dueAtMs: number;
}

export interface ExpireResult {
  /** Sessions deleted because their expiry interval passed after disconnection. */
  readonly expiredClientIds: string[];
  /**
   * Wills to publish now. They stay stored (and due) until `removeWill`: published at least once, never lost
   * to a crash between taking and publishing them.
   */
  readonly willsDue: DueWill[];
}

export interface SessionStore {
  /**
   * Opens (connects) a session and makes `ownerId` its owner. Always issues a new epoch, higher
   * than any issued before on this shard (a shard-wide counter, so also across clean starts and
   * deletes). Cancels a pending will [MQTT-3.1.2-8]. With `cleanStart` the stored state is
   * discarded first [MQTT-3.1.2-4].
   */
  open(request: OpenSessionRequest): Promise<OpenSessionResult>;
  /**
   * Removals, then additions, then will and expiry, in one transaction. An added subscription
   * registers its filter with the client id as holder and, without a committed offset, starts at
   * `queueEndOffset(filter)`; a replaced one keeps its offset and its place.
   */
  update(request: UpdateSessionRequest): Promise<UpdateSessionResult>;
  /**
   * Marks the session disconnected. The will leaves the session either way [MQTT-3.1.2-10]:
   * with `publishWill` it becomes pending until the will delay or the session's end, whichever
   * is first [MQTT-3.1.3-9]; without, it is dropped. With `discard` the session is deleted now.
   */
  close(request: CloseSessionRequest): Promise<CloseSessionResult>;
  /** The stored state, without changing it; undefined when there is no session. */
  get(clientId: string): Session | undefined;
  /** The pending will of a closed session, if any (tooling, tests). */
  pendingWill(clientId: string): { readonly will: Will; readonly dueAtMs: number } | undefined;
  /**
   * Deletes the session, its filter registrations and offsets, and cancels its pending will
   * without publishing it. Fenced by `epoch` unless it is 0 (administrative delete).
   */
  delete(clientId: string, epoch: number): Promise<DeleteSessionResult>;
  /**
   * Deletes sessions whose expiry passed (unregistering their filters) and lists the wills that
   * are due, at most `maxItems` deadlines per call; when more are due `nextDeadline()` is
   * already past, so a timer loop drains them. A due will is not removed here: the caller
   * publishes it, then calls `removeWill`.
   */
  expire(nowMs?: number, maxItems?: number): Promise<ExpireResult>;
  /**
   * Removes a will listed by `expire` once it is published (or refused for good). Only that will:
   * one left since by a newer connection (another epoch) stays; a reconnect has already cancelled
   * it [MQTT-3.1.2-8]. Returns false when it was no longer there.
   */
  removeWill(due: DueWill): Promise<boolean>;
  /** The earliest session expiry or will due time, for the caller's timer; undefined when none. */
  nextDeadline(): number | undefined;
  /** Stored sessions, connected or not (the sessions gauge). */
  count(): number;
  /** Sessions connected (disconnected at 0), whatever their owner. */
  connectedCount(): number;
  /** Owner ids holding at least one connected session (startup: which owners need a lease). */
  connectedOwners(): Set<string>;
  /**
   * The owner's lease lapsed (ADR 0013): each session it still holds connected is closed as a close without
   * DISCONNECT at `atMs` would close it — disconnected at `atMs` (its expiry starts; a session with expiry 0
   * is deleted) and its will pending [MQTT-3.1.2-8]. At most `maxItems` sessions per call (one transaction);
   * `more` says to call again. A session opened since by another owner is not touched.
   */
  releaseOwner(ownerId: string, atMs: number, maxItems?: number): Promise<ReleaseOwnerResult>;
}

// Deadline index kinds; a will sorts before a session end at the same time.
const DEADLINE_WILL = 1;
const DEADLINE_SESSION_END = 2;

interface DeadlineRecord {
  readonly clientId: string;
}

interface OwnedRecord {
  readonly clientId: string;
}

export interface SessionStoreDeps {
  readonly database: StateDatabase;
  readonly writer: StateWriter;
  readonly now: () => number;
  readonly queueEndOffset: (filter: string) => number;
  readonly filterOps: FilterRegistryOps;
  readonly offsetOps: OffsetOps;
}

function sessionEndAt(record: SessionRecord): number | undefined {
  if (record.disconnectedAtMs === 0 || record.sessionExpiryIntervalSeconds === SESSION_NEVER_EXPIRES)
    return undefined;
  return record.disconnectedAtMs + record.sessionExpiryIntervalSeconds * 1000;
}

function assertValidSubscription(subscription: SubscriptionOptions): void {
  assertValidFilter(subscription.filter);
  if (![0, 1, 2].includes(subscription.qos))
    throw invalidArgument(`invalid subscription QoS: ${subscription.qos}`);
  if (![0, 1, 2].includes(subscription.retainHandling)) {
    throw invalidArgument(`invalid retain handling: ${subscription.retainHandling}`);
  }
  const id = subscription.subscriptionIdentifier;
  if (!Number.isInteger(id) || id < 0 || id > 268_435_455)
    throw invalidArgument(`invalid subscription identifier: ${id}`);
}

function assertValidWill(will: Will): void {
  const validation = validateTopicName(will.topic);
  if (!validation.ok) throw invalidArgument(`invalid will topic: ${validation.message}`);
  if (![0, 1, 2].includes(will.qos)) throw invalidArgument(`invalid will QoS: ${will.qos}`);
}

function assertValidExpiry(seconds: number): void {
  if (!Number.isInteger(seconds) || seconds < 0 || seconds > SESSION_NEVER_EXPIRES) {
    throw invalidArgument(`invalid session expiry interval: ${seconds} s`);
  }
}

/** Copies only the stored fields (a caller may pass a richer object, e.g. a proto message). */
function subscriptionOptions(subscription: SubscriptionOptions): SubscriptionOptions {
  const { filter, qos, noLocal, retainAsPublished, retainHandling, subscriptionIdentifier } = subscription;
  return { filter, qos, noLocal, retainAsPublished, retainHandling, subscriptionIdentifier };
}

function storedWill(will: Will): Will {
  const { topic, payload, qos, retain, properties, willDelayIntervalSeconds } = will;
  return properties === undefined
    ? { topic, payload, qos, retain, willDelayIntervalSeconds }
    : { topic, payload, qos, retain, properties, willDelayIntervalSeconds };
}

export function createSessionStore(deps: SessionStoreDeps): SessionStore {
  const { database, writer, now, queueEndOffset, filterOps, offsetOps } = deps;
  const { sessions, wills, deadlines, meta, owned } = database;
  const ownedKey = (ownerId: string, clientId: string): Buffer =>
    composeKey(stringPart(ownerId), stringPart(clientId));

  const consumerOf = (clientId: string): ConsumerRef => ({ kind: 'session', id: clientId });
  const filterQueue = (filter: string): QueueRef => ({ kind: 'filter', name: filter });
  const deadlineKey = (atMs: number, kind: number, clientId: string): Buffer =>
    composeKey(timePart(atMs), tagPart(kind), stringPart(clientId));

  // Every write of a session or pending will goes through these two, which keep the deadline
  // index in step with the records in the same transaction.
  function writeSession(
    previous: SessionRecord | undefined,
    next: SessionRecord | undefined,
    clientId: string,
  ): void {
    const previousEnd = previous === undefined ? undefined : sessionEndAt(previous);
    const nextEnd = next === undefined ? undefined : sessionEndAt(next);
    // `owned` lists the connected sessions by owner: what a lapsed owner's lease releases.
    if (previous !== undefined && previous.disconnectedAtMs === 0)
      owned.removeSync(ownedKey(previous.ownerId, clientId));
    if (next !== undefined && next.disconnectedAtMs === 0)
      owned.putSync(ownedKey(next.ownerId, clientId), { clientId } satisfies OwnedRecord);
    if (previousEnd !== undefined)
      deadlines.removeSync(deadlineKey(previousEnd, DEADLINE_SESSION_END, clientId));
    if (next === undefined) sessions.removeSync(sessionKey(clientId));
    else sessions.putSync(sessionKey(clientId), next);
    if (nextEnd !== undefined) {
      deadlines.putSync(deadlineKey(nextEnd, DEADLINE_SESSION_END, clientId), {
        clientId,
      } satisfies DeadlineRecord);
    }
  }

  function readPendingWill(clientId: string): PendingWillRecord | undefined {
    return wills.get(sessionKey(clientId)) as PendingWillRecord | undefined;
  }

  function writePendingWill(clientId: string, next: PendingWillRecord | undefined): void {
    const previous = readPendingWill(clientId);
    if (previous !== undefined) {
      deadlines.removeSync(deadlineKey(previous.dueAtMs, DEADLINE_WILL, clientId));
      wills.removeSync(sessionKey(clientId));
    }
    if (next !== undefined) {
      wills.putSync(sessionKey(clientId), next);
      deadlines.putSync(deadlineKey(next.dueAtMs, DEADLINE_WILL, clientId), {
        clientId,
      } satisfies DeadlineRecord);
    }
  }

  /** Drops subscriptions (and their filter holds) and every offset of the session. */
  function discardState(context: WriteContext, record: SessionRecord): void {
    for (const { filter } of record.subscriptions) filterOps.unregisterIn(context, filter, record.clientId);
    offsetOps.deleteAllIn(consumerOf(record.clientId));
  }

  function deleteSessionIn(context: WriteContext, record: SessionRecord): void {
    discardState(context, record);
    writeSession(record, undefined, record.clientId);
  }

  /** Marks the session disconnected (or deletes it); returns whether its will became pending. */
  function closeIn(
    context: WriteContext,
    record: SessionRecord,
    disconnectedAtMs: number,
    discard: boolean,
    publishWill: boolean,
  ): boolean {
    const { clientId, epoch } = record;
    const { will, ...rest } = record; // the will leaves the session either way [MQTT-3.1.2-10]
    const next: SessionRecord = { ...rest, disconnectedAtMs };
    const sessionEnd = discard ? disconnectedAtMs : sessionEndAt(next);
    if (discard) deleteSessionIn(context, record);
    else writeSession(record, next, clientId);
    if (!publishWill || will === undefined) return false;
    // Published after the will delay or when the session ends, whichever is first [MQTT-3.1.3-9].
    const afterDelay = disconnectedAtMs + will.willDelayIntervalSeconds * 1000;
    const dueAtMs = sessionEnd === undefined ? afterDelay : Math.min(afterDelay, sessionEnd);
    writePendingWill(clientId, { clientId, epoch, will, dueAtMs });
    return true;
  }

  function view(record: SessionRecord): Session {
    const consumer = consumerOf(record.clientId);
    const subscriptions = record.subscriptions.map((subscription): Subscription => {
      const committed = offsetOps.getFull(consumer, filterQueue(subscription.filter));
      if (committed === undefined) return { ...subscription };
      const { offset: committedOffset, sentBelow, inFlight } = committed;
      return {
        ...subscription,
        committedOffset,
        ...(sentBelow === undefined ? {} : { sentBelow }),
        ...(inFlight === undefined ? {} : { inFlight }),
      };
    });
    const { clientId, ownerId, epoch, will, sessionExpiryIntervalSeconds, disconnectedAtMs } = record;
    const session = {
      clientId,
      ownerId,
      epoch,
      subscriptions,
      sessionExpiryIntervalSeconds,
      disconnectedAtMs,
      pendingPubrels: record.pendingPubrels ?? [],
      inboundQos2Ids: record.inboundQos2Ids ?? [],
    };
    return will === undefined ? session : { ...session, will };
  }

  /** Looks the session up and checks the caller's epoch. */
  function fenced(clientId: string, epoch: number): { record: SessionRecord } | StaleEpoch | NotFound {
    const record = readSession(database, clientId);
    if (record === undefined) return { status: 'not-found' };
    if (epoch !== record.epoch) return { status: 'stale-epoch', currentEpoch: record.epoch };
    return { record };
  }

  return {
    open(request) {
      const { clientId, ownerId, cleanStart, sessionExpiryIntervalSeconds } = request;
      // Argument checks run inside the write so that a bad call rejects like any other failure.
      return writer.write((context) => {
        if (clientId.length === 0) throw invalidArgument('empty client id');
        if (ownerId.length === 0) throw invalidArgument('empty session owner id');
        assertValidExpiry(sessionExpiryIntervalSeconds);
        if (request.will !== undefined) assertValidWill(request.will);
        const epoch = ((meta.get(META_LAST_EPOCH) as number | undefined) ?? 0) + 1;
        meta.putSync(META_LAST_EPOCH, epoch);
        writePendingWill(clientId, undefined); // a new connection suppresses a pending will [MQTT-3.1.2-8]
        const existing = readSession(database, clientId);
        if (existing !== undefined && cleanStart) discardState(context, existing); // [MQTT-3.1.2-4]
        // A new session starts without offsets even if a stale owner of a deleted one committed some.
        if (existing === undefined) offsetOps.deleteAllIn(consumerOf(clientId));
        const resumed = existing !== undefined && !cleanStart;
        const base = resumed ? existing : undefined;
        const next: SessionRecord = {
          clientId,
          ownerId,
          epoch,
          subscriptions: base?.subscriptions ?? [],
          ...(request.will === undefined ? {} : { will: storedWill(request.will) }),
          sessionExpiryIntervalSeconds,
          disconnectedAtMs: 0,
          // The in-flight identifiers stay with a resumed session [MQTT-4.1.0-1]; a clean start drops them.
          ...(base?.pendingPubrels === undefined ? {} : { pendingPubrels: base.pendingPubrels }),
          ...(base?.inboundQos2Ids === undefined ? {} : { inboundQos2Ids: base.inboundQos2Ids }),
        };
        writeSession(existing, next, clientId);
        return { sessionPresent: resumed, epoch, session: view(next) }; // [MQTT-3.2.2-2] [MQTT-3.2.2-3]
      });
    },

    update(request) {
      const { clientId, epoch } = request;
      return writer.write((context): UpdateSessionResult => {
        const additions = (request.addSubscriptions ?? []).map((subscription) => {
          assertValidSubscription(subscription);
          return subscriptionOptions(subscription);
        });
        if (request.updateWill === true && request.will !== undefined) assertValidWill(request.will);
        if (request.sessionExpiryIntervalSeconds !== undefined)
          assertValidExpiry(request.sessionExpiryIntervalSeconds);
        const found = fenced(clientId, epoch);
        if (!('record' in found)) return found;
        const { record } = found;
        const consumer = consumerOf(clientId);
        const subscriptions = [...record.subscriptions];
        for (const filter of request.removeFilters ?? []) {
          const index = subscriptions.findIndex((subscription) => subscription.filter === filter);
          if (index === -1) continue;
          subscriptions.splice(index, 1);
          offsetOps.deleteIn(consumer, filterQueue(filter));
          filterOps.unregisterIn(context, filter, clientId);
        }
        for (const subscription of additions) {
          const index = subscriptions.findIndex((existing) => existing.filter === subscription.filter);
          if (index === -1) subscriptions.push(subscription);
          else subscriptions[index] = subscription; // replace in place [MQTT-3.8.4-3]
          filterOps.registerIn(context, subscription.filter, clientId, 0, now()); // idempotent for a replace
          const queue = filterQueue(subscription.filter);
          if (offsetOps.get(consumer, queue) === undefined) {
            offsetOps.setIn(consumer, queue, queueEndOffset(subscription.filter));
          }
        }
        let will = record.will;
        if (request.updateWill === true)
          will = request.will === undefined ? undefined : storedWill(request.will);
        const { will: _previousWill, ...rest } = record;
        const next: SessionRecord = {
          ...rest,
          subscriptions,
          ...(will === undefined ? {} : { will }),
          sessionExpiryIntervalSeconds:
            request.sessionExpiryIntervalSeconds ?? record.sessionExpiryIntervalSeconds,
        };
        writeSession(record, next, clientId);
        return { status: 'ok', session: view(next) };
      });
    },

    close(request) {
      const { clientId, epoch, discard, publishWill } = request;
      const disconnectedAtMs = request.disconnectedAtMs === 0 ? now() : request.disconnectedAtMs;
      return writer.write((context): CloseSessionResult => {
        const found = fenced(clientId, epoch);
        if (!('record' in found)) return found;
        closeIn(context, found.record, disconnectedAtMs, discard, publishWill);
        return { status: 'ok' };
      });
    },

    get(clientId) {
      const record = readSession(database, clientId);
      return record === undefined ? undefined : view(record);
    },

    pendingWill(clientId) {
      const pending = readPendingWill(clientId);
      return pending === undefined ? undefined : { will: pending.will, dueAtMs: pending.dueAtMs };
    },

    delete(clientId, epoch) {
      return writer.write((context): DeleteSessionResult => {
        const record = readSession(database, clientId);
        const pending = readPendingWill(clientId);
        if (epoch !== 0) {
          // Without a session (discarded at close) a pending will is fenced by the epoch that left it.
          const currentEpoch = record?.epoch ?? pending?.epoch;
          if (currentEpoch !== undefined && epoch !== currentEpoch)
            return { status: 'stale-epoch', currentEpoch };
        }
        if (pending !== undefined) writePendingWill(clientId, undefined);
        if (record === undefined) return { status: 'not-found' };
        deleteSessionIn(context, record);
        return { status: 'ok' };
      });
    },

    expire(nowMs = now(), maxItems = 10_000) {
      return writer.write((context): ExpireResult => {
        // Collect first: the index is modified while we go.
        const due = Array.from(
          deadlines.getRange({ end: timePart(nowMs + 1), limit: maxItems }),
          ({ key, value }) => ({
            key: Buffer.from(key),
            atMs: readTimePart(key),
            kind: key[8],
            clientId: (value as DeadlineRecord).clientId,
          }),
        );
        const expiredClientIds: string[] = [];
        const willsDue: DueWill[] = [];
        for (const { key, atMs, kind, clientId } of due) {
          if (kind === DEADLINE_WILL) {
            const pending = readPendingWill(clientId);
            if (pending?.dueAtMs === atMs) {
              // Kept, deadline included, until removeWill: a crash before the will is appended must not lose it.
              willsDue.push({ clientId, will: pending.will, epoch: pending.epoch, dueAtMs: pending.dueAtMs });
              continue;
            }
          } else {
            const record = readSession(database, clientId);
            if (record !== undefined && sessionEndAt(record) === atMs) {
              deleteSessionIn(context, record);
              expiredClientIds.push(clientId);
              continue;
            }
          }
          deadlines.removeSync(key); // an index entry without its record (not expected)
        }
        return { expiredClientIds, willsDue };
      });
    },

    removeWill(due) {
      return writer.write((): boolean => {
        const pending = readPendingWill(due.clientId);
        if (pending === undefined || pending.epoch !== due.epoch || pending.dueAtMs !== due.dueAtMs)
          return false;
        writePendingWill(due.clientId, undefined);
        return true;
      });
    },

    count() {
      return sessions.getCount();
    },
    connectedCount() {
      return owned.getCount();
    },
    connectedOwners() {
      const owners = new Set<string>();
      for (const { value } of owned.getRange()) {
        const record = readSession(database, (value as OwnedRecord).clientId);
        if (record !== undefined && record.disconnectedAtMs === 0) owners.add(record.ownerId);
      }
      return owners;
    },
    releaseOwner(ownerId, atMs, maxItems = 1000) {
      return writer.write((context): ReleaseOwnerResult => {
        const prefix = stringPart(ownerId);
        const clientIds = Array.from(
          owned.getRange({ start: prefix, end: prefixEnd(prefix), limit: maxItems + 1 }),
          ({ value }) => (value as OwnedRecord).clientId,
        );
        const more = clientIds.length > maxItems;
        let released = 0;
        const willClientIds: string[] = [];
        for (const clientId of clientIds.slice(0, maxItems)) {
          const record = readSession(database, clientId);
          if (record === undefined || record.ownerId !== ownerId || record.disconnectedAtMs !== 0) {
            owned.removeSync(ownedKey(ownerId, clientId)); // an index entry without its record (not expected)
            continue;
          }
          // A crash of the owner is a close without DISCONNECT for its clients [MQTT-3.1.2-8]; a session with
          // expiry 0 (clean) ends now [MQTT-3.1.2-6].
          const discard = record.sessionExpiryIntervalSeconds === 0;
          if (closeIn(context, record, atMs, discard, true)) willClientIds.push(clientId);
          released += 1;
        }
        return { released, willsPending: willClientIds.length, willClientIds, more };
      });
    },
    nextDeadline() {
      for (const key of deadlines.getKeys({ limit: 1 })) return readTimePart(key);
      return undefined;
    },
  };
}

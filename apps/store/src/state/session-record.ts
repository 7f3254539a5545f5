import { composeKey, stringPart } from './key-codec';
import { type MessageProperties } from './message-properties';
import { type StateDatabase } from './state-database';

/** Session Expiry Interval that never expires (MQTT 5 §3.1.2.11.2). */
export const SESSION_NEVER_EXPIRES = 0xffffffff;

export type QoS = 0 | 1 | 2;

/** A subscription's options as stored (store.proto `Subscription` without the offset). */
export interface SubscriptionOptions {
  readonly filter: string;
  readonly qos: QoS;
  readonly noLocal: boolean;
  readonly retainAsPublished: boolean;
  readonly retainHandling: 0 | 1 | 2;
  /** 0 when absent. */
  readonly subscriptionIdentifier: number;
}

/** The last will, stored with the session (store.proto `Will`). */
export interface Will {
  readonly topic: string;
  readonly payload: Uint8Array;
  readonly qos: QoS;
  readonly retain: boolean;
  readonly properties?: MessageProperties;
  /** 0 publishes as soon as the connection is closed. */
  readonly willDelayIntervalSeconds: number;
}

/** The stored session. Offsets are not here: the offset store is their one source of truth. */
export interface SessionRecord {
  readonly clientId: string;
  readonly ownerId: string;
  readonly epoch: number;
  /** In the order first added. */
  readonly subscriptions: readonly SubscriptionOptions[];
  /** Present only while connected: a close either schedules it (pending will) or drops it. */
  readonly will?: Will;
  readonly sessionExpiryIntervalSeconds: number;
  /** 0 while connected. */
  readonly disconnectedAtMs: number;
  /** Outbound PUBRELs awaiting PUBCOMP that no queue's in-flight entries hold (ADR 0014); absent: none. */
  readonly pendingPubrels?: readonly number[];
  /** Inbound QoS 2 identifiers stored, PUBREL not arrived (ADR 0014); absent: none. */
  readonly inboundQos2Ids?: readonly number[];
}

/** The packet identifiers a session commit replaces (store.proto `CommitOffsetsRequest`). */
export interface SessionIds {
  readonly pendingPubrels: readonly number[];
  readonly inboundQos2Ids: readonly number[];
}

/** A will waiting for its delay (or the session's end) after an ungraceful close. */
export interface PendingWillRecord {
  readonly clientId: string;
  /** The epoch of the connection that left it. */
  readonly epoch: number;
  readonly will: Will;
  readonly dueAtMs: number;
}

export function sessionKey(clientId: string): Buffer {
  return composeKey(stringPart(clientId));
}

export function readSession(database: StateDatabase, clientId: string): SessionRecord | undefined {
  return database.sessions.get(sessionKey(clientId)) as SessionRecord | undefined;
}

function sameIds(a: readonly number[] | undefined, b: readonly number[]): boolean {
  const stored = a ?? [];
  return stored.length === b.length && stored.every((id, i) => id === b[i]);
}

/**
 * Replaces the session's identifiers inside the caller's write (a commit); the record is rewritten only when
 * they changed. Neither owner, expiry nor connection state changes, so no index of the session moves.
 */
export function writeSessionIds(database: StateDatabase, record: SessionRecord, ids: SessionIds): void {
  if (
    sameIds(record.pendingPubrels, ids.pendingPubrels) &&
    sameIds(record.inboundQos2Ids, ids.inboundQos2Ids)
  )
    return;
  const { pendingPubrels: _pubrels, inboundQos2Ids: _inbound, ...rest } = record;
  const next: SessionRecord = {
    ...rest,
    ...(ids.pendingPubrels.length > 0 ? { pendingPubrels: [...ids.pendingPubrels] } : {}),
    ...(ids.inboundQos2Ids.length > 0 ? { inboundQos2Ids: [...ids.inboundQos2Ids] } : {}),
  };
  database.sessions.putSync(sessionKey(record.clientId), next);
}

/**
 * The highest epoch carried by a commit of a client whose session lives on another shard. Kept only while
 * the client holds a filter here (state-store.ts releases it with the last hold).
 */
export function readSeenEpoch(database: StateDatabase, clientId: string): number | undefined {
  return database.epochs.get(sessionKey(clientId)) as number | undefined;
}

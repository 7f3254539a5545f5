import { type HoldingRecord } from './filter-registry';
import { composeKey, prefixEnd, stringPart, stringPartEnd } from './key-codec';
import { type SessionRecord } from './session-record';
import { META_SCHEMA_VERSION, SCHEMA_VERSION, type StateDatabase } from './state-database';

/** Consumer tag of a session in `offsets` keys (offset-store.ts). */
const SESSION_CONSUMER_TAG = 1;

function holdsAny(database: StateDatabase, holderPart: Buffer): boolean {
  for (const _key of database.holdings.getKeys({ start: holderPart, end: prefixEnd(holderPart), limit: 1 })) {
    return true;
  }
  return false;
}

/**
 * Layout 1 → 2, in one transaction at open (nothing else reads the state yet; a crash leaves layout 1 and
 * the next open upgrades again):
 *
 * - `holdings` (holder ‖ filter) is filled from `holders` (filter ‖ holder). Key parts are copied as they
 *   are (a long string's part is its hash either way); the filter's text comes from its `filters` row.
 *   Holds keep no registration sequence (read as 0: registered before anything the sweep looks at).
 * - `epochs` rows are kept only for clients that hold a filter here and whose session is not stored here:
 *   layout 1 wrote one per client ever opened, never deleted (a home shard fences by the session record
 *   now, and refuses every commit of a session it no longer stores).
 * - Session offsets of a client that has neither a session nor a hold here are dropped: nobody reads them.
 */
export function upgradeFromLayout1(database: StateDatabase): void {
  database.env.transactionSync(() => {
    const holderRows = Array.from(database.holders.getRange(), ({ key, value }) => ({
      key: Buffer.from(key),
      holderId: (value as { holderId: string }).holderId,
    }));
    for (const { key, holderId } of holderRows) {
      const filterEnd = stringPartEnd(key, 0);
      const filterPart = key.subarray(0, filterEnd);
      const record = database.filters.get(filterPart) as { filter: string } | undefined;
      if (record === undefined) continue; // a holder without its filter row: not written by layout 1
      database.holdings.putSync(Buffer.concat([key.subarray(filterEnd), filterPart]), {
        holderId,
        filter: record.filter,
      } satisfies HoldingRecord);
    }

    const epochKeys = Array.from(database.epochs.getKeys(), (key) => Buffer.from(key));
    for (const clientPart of epochKeys) {
      if (database.sessions.get(clientPart) !== undefined || !holdsAny(database, clientPart)) {
        database.epochs.removeSync(clientPart);
      }
    }

    const sessionOffsets = Buffer.of(SESSION_CONSUMER_TAG);
    const offsetKeys = Array.from(
      database.offsets.getKeys({ start: sessionOffsets, end: prefixEnd(sessionOffsets) }),
      (key) => Buffer.from(key),
    );
    for (const key of offsetKeys) {
      const clientPart = key.subarray(1, stringPartEnd(key, 1));
      if (database.sessions.get(clientPart) === undefined && !holdsAny(database, clientPart)) {
        database.offsets.removeSync(key);
      }
    }
  });
}

/**
 * Layout 2 → 3, in one transaction at open: `owned` is filled with every connected session (disconnected at
 * 0) under its owner, so that the owner's lease, once renewed, covers them (ADR 0013).
 */
export function upgradeFromLayout2(database: StateDatabase): void {
  database.env.transactionSync(() => {
    for (const { key, value } of database.sessions.getRange()) {
      const record = value as SessionRecord;
      if (record.disconnectedAtMs !== 0) continue;
      database.owned.putSync(composeKey(stringPart(record.ownerId), Buffer.from(key)), {
        clientId: record.clientId,
      });
    }
  });
}

/** Brings an older layout to SCHEMA_VERSION, step by step, then records the version. */
export function upgradeLayout(database: StateDatabase, from: number): void {
  if (from < 2) upgradeFromLayout1(database);
  if (from < 3) upgradeFromLayout2(database);
  database.meta.putSync(META_SCHEMA_VERSION, SCHEMA_VERSION);
}

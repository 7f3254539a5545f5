import { open, type Database, type RootDatabase } from 'lmdb';
import { StateStoreError } from './state-store-error';

/**
 * The layout version written by this code; an unknown one refuses to open (a build that does not know the
 * `holdings` index would let it drift). 1 → 2: `holdings` added (state-upgrade.ts fills it), `epochs` only for
 * clients whose session lives on another shard and that hold a filter here. 2 → 3: `owned` (the connected
 * sessions by owner, ADR 0013) and `owners` added. The in-flight state of sessions (ADR 0014: `sentBelow` and
 * `inFlight` in offset records, `pendingPubrels` and `inboundQos2Ids` in session records) is optional fields,
 * not a layout change: records without them read as "none", and an older build ignores them.
 */
export const SCHEMA_VERSION = 3;

/**
 * The LMDB environment of one shard's durable state and its named sub-databases. Keys are
 * binary (see key-codec.ts); values are MessagePack (lmdb-js default, no shared structures, so
 * every value decodes on its own and an aborted transaction cannot leave a dangling structure).
 *
 * | database   | key                                   | value                        |
 * |------------|---------------------------------------|------------------------------|
 * | meta       | utf8 name                             | schemaVersion, lastEpoch, lastHoldSeq |
 * | filters    | filter                                | FilterRecord (holderCount)   |
 * | holders    | filter ‖ holderId                     | HolderRecord (lease expiry)  |
 * | holdings   | holderId ‖ filter                     | HoldingRecord (index)        |
 * | leases     | expiresAtMs ‖ filter ‖ holderId       | LeaseRecord (index)          |
 * | sessions   | clientId                              | SessionRecord                |
 * | epochs     | clientId (session on another shard)   | highest epoch seen (number)  |
 * | wills      | clientId                              | PendingWillRecord            |
 * | deadlines  | atMs ‖ kind ‖ clientId                | DeadlineRecord (index)       |
 * | offsets    | consumerKind ‖ id ‖ queueKind ‖ name  | OffsetRecord                 |
 * | retained   | topic (utf8, see retainedKey)         | RetainedRecord               |
 * | owned      | ownerId ‖ clientId (connected only)   | OwnedRecord (index)          |
 * | owners     | ownerId                               | OwnerRecord (lease)          |
 */
export interface StateDatabase {
  readonly env: RootDatabase;
  readonly meta: Database<unknown, Buffer>;
  readonly filters: Database<unknown, Buffer>;
  readonly holders: Database<unknown, Buffer>;
  readonly holdings: Database<unknown, Buffer>;
  readonly leases: Database<unknown, Buffer>;
  readonly sessions: Database<unknown, Buffer>;
  readonly epochs: Database<unknown, Buffer>;
  readonly wills: Database<unknown, Buffer>;
  readonly deadlines: Database<unknown, Buffer>;
  readonly offsets: Database<unknown, Buffer>;
  readonly retained: Database<unknown, Buffer>;
  readonly owned: Database<unknown, Buffer>;
  readonly owners: Database<unknown, Buffer>;
}

export const META_SCHEMA_VERSION = Buffer.from('schemaVersion');
export const META_LAST_EPOCH = Buffer.from('lastEpoch');
/** The last filter registration's sequence number (filter-registry.ts: a hold registered later is newer). */
export const META_LAST_HOLD_SEQ = Buffer.from('lastHoldSeq');

/**
 * Opens the environment. `layoutVersion` is the version found (the current one for a new environment); the
 * caller upgrades an older layout before anything else reads it, then writes SCHEMA_VERSION.
 */
export function openStateDatabase(dir: string): StateDatabase & { readonly layoutVersion: number } {
  // Durability: lmdb-js enables `overlappingSync` by default on Linux, where a write's promise
  // resolves when the commit is *visible* and the fsync happens afterwards. We turn it off so
  // that the commit (mdb_txn_commit, which fsyncs without MDB_NOSYNC) is on disk before any
  // write promise resolves: a caller that got "ok" can rely on it across a power loss. Group
  // commit still applies: every write issued in the same event turn (many sessions' opens,
  // updates and commits) shares one transaction and one fsync.
  const env = open({ path: dir, overlappingSync: false, maxDbs: 16 });
  const sub = (name: string): Database<unknown, Buffer> =>
    env.openDB<unknown, Buffer>({ name, keyEncoding: 'binary' });
  const database: StateDatabase = {
    env,
    meta: sub('meta'),
    filters: sub('filters'),
    holders: sub('holders'),
    holdings: sub('holdings'),
    leases: sub('leases'),
    sessions: sub('sessions'),
    epochs: sub('epochs'),
    wills: sub('wills'),
    deadlines: sub('deadlines'),
    offsets: sub('offsets'),
    retained: sub('retained'),
    owned: sub('owned'),
    owners: sub('owners'),
  };
  const version = database.meta.get(META_SCHEMA_VERSION);
  if (version === undefined) {
    database.meta.putSync(META_SCHEMA_VERSION, SCHEMA_VERSION);
    return { ...database, layoutVersion: SCHEMA_VERSION };
  }
  if (version !== SCHEMA_VERSION && version !== 1 && version !== 2) {
    void env.close();
    throw new StateStoreError(
      'STORE_STATE_SCHEMA',
      `state in ${dir} has layout version ${JSON.stringify(version)}; this build reads versions 1 to ${SCHEMA_VERSION}`,
    );
  }
  return { ...database, layoutVersion: version };
}

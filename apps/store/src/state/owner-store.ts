import { stringPart } from './key-codec';
import { type StateDatabase } from './state-database';
import { type StateWriter } from './state-writer';

/**
 * A session owner (a gateway incarnation) as stored: enough for a restarted store to give it a lease again
 * and let it lapse if it does not renew. Renewals themselves are not written (they only move a deadline kept
 * in memory); a record is written when an owner first renews, when its lease length changes, and when it
 * lapses.
 */
export interface OwnerRecord {
  readonly ownerId: string;
  /** The gateway's stable name: a new owner id under it ends the older ones. */
  readonly gatewayId: string;
  readonly leaseMs: number;
  /** Set once the lease lapsed and the owner's sessions were released; 0 while it is live. */
  readonly lapsedAtMs: number;
}

export interface OwnerStore {
  get(ownerId: string): OwnerRecord | undefined;
  /** Every stored owner, live and lapsed. */
  list(): OwnerRecord[];
  put(record: OwnerRecord): Promise<void>;
  remove(ownerId: string): Promise<void>;
}

export function createOwnerStore(deps: {
  readonly database: StateDatabase;
  readonly writer: StateWriter;
}): OwnerStore {
  const { database, writer } = deps;
  const { owners } = database;
  const key = (ownerId: string): Buffer => stringPart(ownerId);
  return {
    get(ownerId) {
      return owners.get(key(ownerId)) as OwnerRecord | undefined;
    },
    list() {
      return Array.from(owners.getRange(), ({ value }) => value as OwnerRecord);
    },
    put(record) {
      return writer.write(() => {
        owners.putSync(key(record.ownerId), record);
      });
    },
    remove(ownerId) {
      return writer.write(() => {
        owners.removeSync(key(ownerId));
      });
    },
  };
}

import type { CallOptions, ServiceError } from '@grpc/grpc-js';
import { createStoreClient, type GetSessionResponseOutput, type StoreServiceClient } from '@starling/proto';

/** Asks other store shards about the sessions they store (the sweep of expired sessions' filter holds). */
export interface HomeSessionLookup {
  /**
   * The filters of `clientId`'s session on `shard`, or undefined when that shard stores no session for it.
   * Rejects when the shard does not answer (or answers an error): the caller then keeps what it holds.
   */
  sessionFilters(shard: number, clientId: string): Promise<readonly string[] | undefined>;
  close(): void;
}

/** One StoreService client per other shard (`addresses[i]` is shard i; this shard's entry is not used). */
export function createHomeSessionLookup(
  addresses: readonly string[],
  selfIndex: number,
  deadlineMs = 5_000,
): HomeSessionLookup {
  const clients = new Map<number, StoreServiceClient>();
  return {
    sessionFilters(shard, clientId) {
      if (shard === selfIndex || addresses[shard] === undefined) {
        return Promise.reject(new Error(`no address of another shard ${shard}`));
      }
      let client = clients.get(shard);
      if (client === undefined) {
        client = createStoreClient(addresses[shard]);
        clients.set(shard, client);
      }
      const c = client;
      return new Promise((resolve, reject) => {
        const options: CallOptions = { deadline: Date.now() + deadlineMs };
        c.GetSession({ clientId }, options, (err: ServiceError | null, res?: GetSessionResponseOutput) => {
          if (err !== null || res === undefined) reject(err ?? new Error('GetSession: no response'));
          else
            resolve(
              res.found && res.session !== null ? res.session.subscriptions.map((s) => s.filter) : undefined,
            );
        });
      });
    },
    close() {
      for (const c of clients.values()) c.close();
      clients.clear();
    },
  };
}

import { createServer } from 'node:net';
import { join } from 'node:path';
import { openStateDatabase } from '../../src/state/state-database';
import { shardOfClient } from '../../src';
import { call } from '../support/grpc-clients';
import { startTestStore, type TestStore } from '../support/start-store';

/** A client id whose session lives on `shard` (of 2). */
function clientOfShard(shard: number, prefix: string, n: number): string {
  for (let i = 0; ; i++) {
    const id = `${prefix}-${n}-${i}`;
    if (shardOfClient(id, 2) === shard) return id;
  }
}

/** Records kept per client id (and per filter) in a stopped shard's state. */
async function perClientRecords(s: TestStore): Promise<Record<string, number>> {
  const db = openStateDatabase(join(s.dir.path, 'state'));
  try {
    return {
      sessions: db.sessions.getCount(),
      epochs: db.epochs.getCount(),
      wills: db.wills.getCount(),
      deadlines: db.deadlines.getCount(),
      offsets: db.offsets.getCount(),
      holders: db.holders.getCount(),
      holdings: db.holdings.getCount(),
      filters: db.filters.getCount(),
    };
  } finally {
    await db.env.close();
  }
}

/** Ports the kernel hands out now (closed again at once), so two shards can be told each other's address. */
async function freePorts(count: number): Promise<number[]> {
  const servers = await Promise.all(
    Array.from(
      { length: count },
      () =>
        new Promise<ReturnType<typeof createServer>>((resolve, reject) => {
          const server = createServer();
          server.once('error', reject);
          server.listen(0, '127.0.0.1', () => resolve(server));
        }),
    ),
  );
  const ports = servers.map((server) => (server.address() as { port: number }).port);
  await Promise.all(servers.map((server) => new Promise((resolve) => server.close(resolve))));
  return ports;
}

const none = {
  sessions: 0,
  epochs: 0,
  wills: 0,
  deadlines: 0,
  offsets: 0,
  holders: 0,
  holdings: 0,
  filters: 0,
};

/**
 * Two real store shards over gRPC, driven the way gateways drive them: a session lives on its home shard; a
 * filter whose first level is a wildcard is registered on every shard — on the home shard by UpdateSession,
 * on the other by RegisterFilter with the client id as holder — and read (and committed) on each.
 */
describe('sessions across two store shards', () => {
  let shards: TestStore[] = [];
  beforeEach(async () => {
    shards = [];
    const ports = await freePorts(2);
    for (const index of [0, 1]) {
      shards.push(
        await startTestStore({
          STORE_SHARD_COUNT: '2',
          STORE_SHARD_INDEX: String(index),
          STORE_GRPC_PORT: String(ports[index]),
          STORE_SHARD_ADDRESSES: ports.map((port) => `127.0.0.1:${port}`).join(','),
        }),
      );
    }
  });
  afterEach(async () => {
    for (const s of shards) await s.stop({ removeData: true });
  });

  const client = (shard: number) => shards[shard]!.clients.store;
  const filterQueue = (name: string) => ({ kind: 'QUEUE_KIND_FILTER' as const, name });

  /** Connect, subscribe to `+/x` on both shards, read and commit on both, as a gateway does. */
  async function connectAndSubscribe(clientId: string, ownerId: string, cleanStart: boolean) {
    const home = shardOfClient(clientId, 2);
    const other = 1 - home;
    const opened = await call(client(home), client(home).openSession, {
      clientId,
      ownerId,
      cleanStart,
      sessionExpiryIntervalSeconds: cleanStart ? 0 : 3600,
    });
    await call(client(home), client(home).updateSession, {
      clientId,
      epoch: opened.epoch,
      addSubscriptions: [{ filter: '+/x', qos: 1 }],
    });
    await call(client(other), client(other).registerFilter, {
      filter: '+/x',
      holderId: clientId,
      leaseMs: 0,
    });
    for (const shard of [home, other]) {
      await call(client(shard), client(shard).commitOffsets, {
        consumer: { kind: 'CONSUMER_KIND_SESSION', id: clientId },
        sessionEpoch: opened.epoch,
        offsets: [{ queue: filterQueue('+/x'), offset: 0 }],
      });
    }
    return { home, other, epoch: opened.epoch };
  }

  it('no per-client record remains on either shard after clients connect and disconnect cleanly', async () => {
    for (let n = 0; n < 10; n++) {
      const clientId = clientOfShard(n % 2, 'clean', n);
      const { home, other, epoch } = await connectAndSubscribe(clientId, 'gw-1', true);
      // A clean session ends: the home shard discards it, the gateway releases the other shard's copy.
      await call(client(home), client(home).closeSession, {
        clientId,
        epoch,
        disconnectedAtMs: Date.now(),
        discard: true,
      });
      await call(client(other), client(other).unregisterFilter, { filter: '+/x', holderId: clientId });
    }
    for (const s of shards) await s.stop();
    for (const s of shards) expect(await perClientRecords(s)).toEqual(none);
    shards = await Promise.all(shards.map((s) => s.restart()));
  });

  it('sweeps the holds another shard keeps for a session that expired or was deleted on its home shard', async () => {
    const expiring = clientOfShard(0, 'expiring', 0);
    const deleted = clientOfShard(0, 'deleted', 0);
    const staying = clientOfShard(0, 'staying', 0);
    const sessions = new Map<string, number>();
    for (const clientId of [expiring, deleted, staying]) {
      sessions.set(clientId, (await connectAndSubscribe(clientId, 'gw-1', false)).epoch);
    }
    // A gateway's non-persistent sessions hold filters with a lease: never the sweep's business.
    await call(client(1), client(1).registerFilter, { filter: '+/y', holderId: 'gw-1', leaseMs: 60_000 });
    const remote = shards[1]!.server.store;
    expect(
      remote.state.filters
        .holders('+/x')
        .map((h) => h.holderId)
        .sort(),
    ).toEqual([deleted, expiring, staying].sort());
    await expect(remote.sweepSessionHolds()).resolves.toEqual({
      checkedClients: 3,
      droppedHolds: 0,
      unanswered: 0,
    });

    // All gateways gone: `expiring` ends offline (its expiry passed), `deleted` is removed by an operator.
    await call(client(0), client(0).closeSession, {
      clientId: expiring,
      epoch: sessions.get(expiring)!,
      disconnectedAtMs: Date.now() - 3_600_001,
    });
    await shards[0]!.server.store.runHousekeeping();
    await call(client(0), client(0).deleteSession, { clientId: deleted, epoch: 0 });
    expect(shards[0]!.server.store.state.sessions.get(expiring)).toBeUndefined();
    // The home shard has forgotten them; the other shard still holds their filter (the leak).
    expect(remote.state.filters.holderCount('+/x')).toBe(3);

    await expect(remote.sweepSessionHolds()).resolves.toEqual({
      checkedClients: 3,
      droppedHolds: 2,
      unanswered: 0,
    });
    expect(remote.state.filters.holders('+/x').map((h) => h.holderId)).toEqual([staying]);
    expect(remote.state.filters.holders('+/y').map((h) => h.holderId)).toEqual(['gw-1']);
    for (const clientId of [expiring, deleted]) {
      expect(remote.state.offsets.fetch({ kind: 'session', id: clientId })).toEqual([]);
    }
    expect(remote.state.offsets.fetch({ kind: 'session', id: staying })).toHaveLength(1);

    // When the last session holding it goes, the filter's queue on the other shard goes too.
    await call(client(0), client(0).deleteSession, { clientId: staying, epoch: 0 });
    await remote.sweepSessionHolds();
    expect(remote.state.filters.holderCount('+/x')).toBe(0);
    await expect(
      call(client(1), client(1).pullMessages, { queue: filterQueue('+/x'), fromOffset: 0 }),
    ).rejects.toMatchObject({ code: 5 }); // NOT_FOUND: no longer registered
    await call(client(1), client(1).unregisterFilter, { filter: '+/y', holderId: 'gw-1' });
    for (const s of shards) await s.stop();
    expect(await perClientRecords(shards[1]!)).toEqual(none);
    shards = await Promise.all(shards.map((s) => s.restart()));
  });

  it('keeps the holds of a client whose home shard does not answer', async () => {
    const clientId = clientOfShard(0, 'unanswered', 0);
    await connectAndSubscribe(clientId, 'gw-1', false);
    await call(client(0), client(0).deleteSession, { clientId, epoch: 0 });
    await shards[0]!.stop();
    await expect(shards[1]!.server.store.sweepSessionHolds()).resolves.toEqual({
      checkedClients: 1,
      droppedHolds: 0,
      unanswered: 1,
    });
    expect(shards[1]!.server.store.state.filters.holderCount('+/x')).toBe(1);
    shards[0] = await shards[0]!.restart();
  });

  it('fences a stale owner on the home shard and on the other shard', async () => {
    const clientId = clientOfShard(0, 'fenced', 0);
    const a = await connectAndSubscribe(clientId, 'gw-a', false);
    const b = await connectAndSubscribe(clientId, 'gw-b', false); // takes over: a newer epoch
    expect(b.epoch).toBeGreaterThan(a.epoch);
    for (const shard of [0, 1]) {
      await expect(
        call(client(shard), client(shard).commitOffsets, {
          consumer: { kind: 'CONSUMER_KIND_SESSION', id: clientId },
          sessionEpoch: a.epoch,
          offsets: [{ queue: filterQueue('+/x'), offset: 5 }],
        }),
      ).rejects.toMatchObject({ code: 9 }); // FAILED_PRECONDITION, stale-epoch
    }
    // Once the home shard no longer stores the session, no owner may commit there.
    await call(client(0), client(0).deleteSession, { clientId, epoch: 0 });
    await expect(
      call(client(0), client(0).commitOffsets, {
        consumer: { kind: 'CONSUMER_KIND_SESSION', id: clientId },
        sessionEpoch: b.epoch,
        offsets: [{ queue: filterQueue('+/x'), offset: 5 }],
      }),
    ).rejects.toMatchObject({ code: 9 });
  });
});

// WatchArrivals responses are encoded by hand, once per dispatch batch, and the same bytes are written to every
// watcher (ADR 0018). Any client must read them as it read protobufjs' encoding: the generated client decodes
// them, and the bytes on the wire are protobufjs' bytes for what it decodes.
import { Client, credentials, type ClientReadableStream } from '@grpc/grpc-js';
import {
  loadPackageDefinition,
  type WatchArrivalsResponse,
  type WatchArrivalsResponseOutput,
} from '@starling/proto';
import { eventually } from '@starling/test-harness';
import { appendMessage, call } from '../support/grpc-clients';
import { startTestStore, type TestStore } from '../support/start-store';

const responseType = loadPackageDefinition()['starling.store.v1.WatchArrivalsResponse'] as unknown as {
  serialize(response: WatchArrivalsResponse): Buffer;
  deserialize(bytes: Buffer): WatchArrivalsResponseOutput;
};

const msg = appendMessage;

describe('WatchArrivals on the wire: one encoding, every watcher, any client', () => {
  let s: TestStore;
  let raw: Client;
  beforeEach(async () => {
    s = await startTestStore();
    raw = new Client(s.address, credentials.createInsecure());
  });
  afterEach(async () => {
    raw.close();
    await s.stop({ removeData: true });
  });

  /** A live watch through the generated client (protobufjs decoding). */
  function watchDecoded(replayEndOffsets: boolean) {
    const received: WatchArrivalsResponseOutput[] = [];
    const stream = s.clients.store.watchArrivals({ replayEndOffsets });
    stream.on('data', (d: WatchArrivalsResponseOutput) => received.push(d));
    stream.on('error', () => undefined);
    return { received, cancel: () => stream.cancel() };
  }

  /** A live watch that keeps each response's bytes as they arrived. */
  function watchBytes() {
    const received: Buffer[] = [];
    const identity = (b: Buffer): Buffer => b;
    const stream: ClientReadableStream<Buffer> = raw.makeServerStreamRequest(
      '/starling.store.v1.StoreService/WatchArrivals',
      identity,
      identity,
      Buffer.alloc(0), // WatchArrivalsRequest {}: no replay
    );
    stream.on('data', (d: Buffer) => received.push(d));
    stream.on('error', () => undefined);
    return { received, cancel: () => stream.cancel() };
  }

  it('two generated clients and a raw reader get the same responses, in protobufjs bytes', async () => {
    const first = watchDecoded(false);
    const second = watchDecoded(false);
    const bytes = watchBytes();
    await eventually(() => expect(s.server.store.hub.watcherCount).toBe(3));
    await call(s.clients.store, s.clients.store.registerFilter, {
      filter: 'wire/+',
      holderId: 'wire-test',
      leaseMs: 60_000,
    });
    const before = Date.now();
    await call(s.clients.store, s.clients.store.appendMessages, {
      messages: [msg('wire/a', '1'), msg('wire/b', '2'), msg('other', '3')],
    });
    await call(s.clients.store, s.clients.store.appendMessages, { messages: [msg('wire/a', '4')] });
    await eventually(() => {
      const ends = new Map(
        bytes.received
          .flatMap((b) => responseType.deserialize(b).arrivals)
          .map((a) => [`${a.queue?.kind} ${a.queue?.name}`, a.endOffset]),
      );
      expect(ends.get('QUEUE_KIND_TOPIC wire')).toBe(3);
      expect(ends.get('QUEUE_KIND_FILTER wire/+')).toBe(3);
      expect(ends.get('QUEUE_KIND_TOPIC other')).toBe(1);
      expect(first.received.length).toBe(bytes.received.length);
      expect(second.received.length).toBe(bytes.received.length);
    });
    const after = Date.now();
    const decoded = bytes.received.map((b) => responseType.deserialize(b));
    expect(first.received).toEqual(decoded);
    expect(second.received).toEqual(decoded);
    for (const [i, b] of bytes.received.entries()) {
      expect(b.toString('hex')).toBe(responseType.serialize(decoded[i]!).toString('hex'));
    }
    for (const a of decoded.flatMap((r) => r.arrivals)) {
      expect(a.shard).toBe(0);
      expect(a.timestampMs).toBeGreaterThanOrEqual(before);
      expect(a.timestampMs).toBeLessThanOrEqual(after);
    }
    first.cancel();
    second.cancel();
    bytes.cancel();
  });

  it('a replaying generated client reads the end offsets, then the live batches', async () => {
    await call(s.clients.store, s.clients.store.appendMessages, {
      messages: [msg('replay/a', '1'), msg('replay/b', '2')],
    });
    await s.server.store.dispatched();
    const watcher = watchDecoded(true);
    await eventually(() => {
      const a = watcher.received.flatMap((r) => r.arrivals).find((x) => x.queue?.name === 'replay');
      expect(a).toMatchObject({
        queue: { kind: 'QUEUE_KIND_TOPIC', name: 'replay' },
        endOffset: 2,
        shard: 0,
      });
    });
    await call(s.clients.store, s.clients.store.appendMessages, { messages: [msg('replay/c', '3')] });
    await eventually(() => {
      const ends = watcher.received.flatMap((r) => r.arrivals).filter((x) => x.queue?.name === 'replay');
      expect(ends.map((e) => e.endOffset)).toEqual([2, 3]);
    });
    watcher.cancel();
  });
});

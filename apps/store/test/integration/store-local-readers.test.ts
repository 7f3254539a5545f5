import { eventually } from '@starling/test-harness';
import type { QueueMessageOutput } from '@starling/proto';
import { appendMessage, call } from '../support/grpc-clients';
import { startTestStore, type TestStore } from '../support/start-store';

interface Pushed {
  messages: readonly QueueMessageOutput[];
  endOffset: number;
}

const msg = appendMessage;

describe('readers in the store process get dispatched messages pushed (ADR 0019)', () => {
  let s: TestStore;
  beforeEach(async () => {
    s = await startTestStore();
  });
  afterEach(async () => {
    await s.stop({ removeData: true });
  });

  const append = (messages: ReturnType<typeof msg>[]) =>
    call(s.clients.store, s.clients.store.appendMessages, { messages });
  const pull = (kind: 'QUEUE_KIND_TOPIC' | 'QUEUE_KIND_FILTER', name: string, fromOffset: number) =>
    call(s.clients.store, s.clients.store.pullMessages, {
      queue: { kind, name },
      fromOffset,
      maxMessages: 1000,
    });

  it('pushes each batch of a watched queue exactly as a pull of the same offsets returns it', async () => {
    await call(s.clients.store, s.clients.store.registerFilter, {
      filter: 'telemetry/+/temp',
      holderId: 'gw-1',
    });
    const topicPushes: Pushed[] = [];
    const filterPushes: Pushed[] = [];
    const unwatchTopic = s.server.watchQueue({ kind: 'topic', name: 'telemetry' }, (messages, endOffset) =>
      topicPushes.push({ messages, endOffset }),
    );
    s.server.watchQueue({ kind: 'filter', name: 'telemetry/+/temp' }, (messages, endOffset) =>
      filterPushes.push({ messages, endOffset }),
    );

    await append([
      msg('telemetry/dev1/temp', 'a', { publisherClientId: 'dev1' }),
      msg('telemetry/dev1/humidity', 'b'),
      msg('other/x', 'not watched'),
      msg('telemetry/dev2/temp', 'c', {
        retain: true,
        properties: { contentType: 'text/plain', userProperties: [{ key: 'k', value: 'v' }] },
      }),
    ]);
    await append([msg('telemetry/dev3/temp', 'd')]);
    await eventually(() => expect(filterPushes.flatMap((p) => p.messages)).toHaveLength(3));
    await eventually(() => expect(topicPushes.flatMap((p) => p.messages)).toHaveLength(4));

    // Contiguous batches whose offsets run up to the end each announces.
    for (const pushes of [topicPushes, filterPushes]) {
      let next = 0;
      for (const { messages, endOffset } of pushes) {
        expect(messages.map((m) => m.offset)).toEqual(messages.map((_, i) => next + i));
        next += messages.length;
        expect(endOffset).toBe(next);
      }
    }
    const topicPull = await pull('QUEUE_KIND_TOPIC', 'telemetry', 0);
    expect(topicPushes.flatMap((p) => p.messages)).toEqual(topicPull.messages);
    const filterPull = await pull('QUEUE_KIND_FILTER', 'telemetry/+/temp', 0);
    expect(filterPushes.flatMap((p) => p.messages)).toEqual(filterPull.messages);
    expect(filterPull.messages.map((m) => m.payload.toString())).toEqual(['a', 'c', 'd']);

    // Unwatched: nothing more arrives there.
    unwatchTopic();
    await append([msg('telemetry/dev4/temp', 'e')]);
    await eventually(() => expect(filterPushes.flatMap((p) => p.messages)).toHaveLength(4));
    expect(topicPushes.flatMap((p) => p.messages)).toHaveLength(4);
  });

  it('a reader that throws costs dispatch nothing: others still get their messages, and pulls see everything', async () => {
    s.server.watchQueue({ kind: 'topic', name: 'cmd' }, () => {
      throw new Error('reader bug');
    });
    const pushed: QueueMessageOutput[] = [];
    s.server.watchQueue({ kind: 'topic', name: 'cmd' }, (messages) => pushed.push(...messages));
    for (let i = 0; i < 3; i++) await append([msg(`cmd/${i}`, String(i))]);
    await eventually(() => expect(pushed).toHaveLength(3));
    const pulled = await pull('QUEUE_KIND_TOPIC', 'cmd', 0);
    expect(pulled.messages.map((m) => m.payload.toString())).toEqual(['0', '1', '2']);
    expect(pulled.endOffset).toBe(3);
  });
});

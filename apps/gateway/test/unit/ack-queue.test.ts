import { AckQueue } from '../../src/session/ack-queue';
import type { AppendOutcome } from '../../src/types';

/** An append whose outcome the test decides, and when. */
function deferredAppend(): { promise: Promise<AppendOutcome>; settle(position: number): void } {
  let resolve!: (outcome: AppendOutcome) => void;
  const promise = new Promise<AppendOutcome>((r) => {
    resolve = r;
  });
  return { promise, settle: (position) => resolve({ status: 'ok', shard: 0, position }) };
}

const flush = () => new Promise((r) => setImmediate(r));

describe('acknowledgements leave in the order their packets arrived [MQTT-4.6.0-2, -3]', () => {
  test('an append that settles first waits for every earlier acknowledgement', async () => {
    const sent: string[] = [];
    const queue = new AckQueue(100, (err) => {
      throw err;
    });
    const first = deferredAppend();
    const second = deferredAppend();
    const third = deferredAppend();
    void queue.push(first.promise, (o) => sent.push(`1:${o?.status === 'ok' ? o.position : '?'}`));
    void queue.push(second.promise, (o) => sent.push(`2:${o?.status === 'ok' ? o.position : '?'}`));
    void queue.push(third.promise, (o) => sent.push(`3:${o?.status === 'ok' ? o.position : '?'}`));
    third.settle(30);
    second.settle(20);
    await flush();
    expect(sent).toEqual([]);
    expect(queue.pending).toBe(3);
    first.settle(10);
    await flush();
    expect(sent).toEqual(['1:10', '2:20', '3:30']);
    expect(queue.pending).toBe(0);
  });

  test('an acknowledgement without an append (PUBREL, a QoS 2 resend) goes at once, or behind a pending one', async () => {
    const sent: string[] = [];
    const queue = new AckQueue(100, (err) => {
      throw err;
    });
    void queue.push(undefined, () => sent.push('pubcomp 1'));
    expect(sent).toEqual(['pubcomp 1']);
    const append = deferredAppend();
    void queue.push(append.promise, () => sent.push('puback 2'));
    void queue.push(undefined, () => sent.push('pubcomp 3'));
    expect(sent).toEqual(['pubcomp 1']);
    append.settle(1);
    await flush();
    expect(sent).toEqual(['pubcomp 1', 'puback 2', 'pubcomp 3']);
  });

  test('past the bound, push returns a promise that resolves once that acknowledgement is sent', async () => {
    const queue = new AckQueue(2, (err) => {
      throw err;
    });
    const appends = [deferredAppend(), deferredAppend(), deferredAppend()];
    expect(queue.push(appends[0]!.promise, () => undefined)).toBeUndefined();
    expect(queue.push(appends[1]!.promise, () => undefined)).toBeUndefined();
    const held = queue.push(appends[2]!.promise, () => undefined);
    expect(held).toBeInstanceOf(Promise);
    let released = false;
    void held!.then(() => {
      released = true;
    });
    appends[2]!.settle(3);
    appends[0]!.settle(1);
    await flush();
    expect(released).toBe(false);
    appends[1]!.settle(2);
    await flush();
    expect(released).toBe(true);
    expect(queue.pending).toBe(0);
  });

  test('a failing send is reported and the acknowledgements after it still go', async () => {
    const sent: number[] = [];
    const errors: unknown[] = [];
    const queue = new AckQueue(100, (err) => errors.push(err));
    const append = deferredAppend();
    void queue.push(append.promise, () => {
      throw new Error('encode failed');
    });
    void queue.push(undefined, () => sent.push(2));
    append.settle(1);
    await flush();
    expect(errors).toHaveLength(1);
    expect(sent).toEqual([2]);
  });
});

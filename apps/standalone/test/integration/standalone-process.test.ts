import { Metadata } from '@grpc/grpc-js';
import { createMessagingClient } from '@starling/proto';
import { makeTempDir, startServiceProcess } from '@starling/test-harness';

/** The README's `pnpm start`, as a real process: serves, is ready, produces and consumes, stops cleanly. */
describe('standalone process', () => {
  const dir = makeTempDir('standalone');
  afterAll(() => dir.remove());
  const env = { STORE_DATA_DIR: dir.path, STORE_GRPC_PORT: '0', STANDALONE_OPS_PORT: '0' };

  it('serves the produce/consume API, reports ready, and keeps data across a clean restart', async () => {
    let proc = await startServiceProcess('standalone', { env });
    const ops = `http://127.0.0.1:${proc.ready['ops']}`;
    expect((await fetch(`${ops}/readyz`)).status).toBe(200);
    expect((await fetch(`${ops}/healthz`)).status).toBe(200);
    expect(await (await fetch(`${ops}/metrics`)).text()).toContain('starling_store_messages_appended_total');

    let client = createMessagingClient(`127.0.0.1:${proc.ready['grpc']}`);
    const produced = await new Promise<{ positions: number[] }>((resolve, reject) =>
      client.produceMessages(
        { producerId: 'test', messages: [{ topic: 'greetings/en', payload: Buffer.from('hello'), qos: 1 }] },
        new Metadata(),
        (err, res) => (err ? reject(err) : resolve(res!)),
      ),
    );
    expect(produced.positions).toEqual([0]);
    client.close();

    const exit = await proc.stop();
    expect(exit).toEqual({ code: 0, signal: null });
    expect(proc.lines.join('\n')).toContain('store closed cleanly');

    proc = await startServiceProcess('standalone', { env });
    client = createMessagingClient(`127.0.0.1:${proc.ready['grpc']}`);
    const consumed = await new Promise<{ messages: Array<{ payload: Buffer }> }>((resolve, reject) =>
      client.consumeMessages(
        { group: 'g', topic: 'greetings', start: 'START_POSITION_EARLIEST', waitMs: 2000 },
        new Metadata(),
        (err, res) => (err ? reject(err) : resolve(res!)),
      ),
    );
    expect(consumed.messages.map((m) => m.payload.toString())).toEqual(['hello']);
    client.close();
    expect((await proc.stop()).code).toBe(0);
  }, 60_000);
});

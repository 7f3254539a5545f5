import http2 from 'node:http2';
import { eventually } from '@starling/test-harness';
import {
  CONNECTION_RECEIVE_WINDOW_BYTES,
  STREAM_RECEIVE_WINDOW_BYTES,
  bindWithReceiveWindows,
} from '../../src/grpc/receive-windows';
import { call } from '../support/grpc-clients';
import { startTestStore, type TestStore } from '../support/start-store';

describe('the store gRPC server opens large HTTP/2 receive windows (appends are not paced by 64 KiB windows)', () => {
  let s: TestStore;
  beforeAll(async () => {
    s = await startTestStore();
  });
  afterAll(async () => {
    await s.stop({ removeData: true });
  });

  it('advertises the stream window and opens the connection window to every client', async () => {
    const session = http2.connect(`http://${s.address}`);
    try {
      await new Promise<void>((resolve, reject) => {
        session.once('remoteSettings', () => resolve());
        session.once('error', reject);
      });
      expect(session.remoteSettings.initialWindowSize).toBe(STREAM_RECEIVE_WINDOW_BYTES);
      // The connection window comes with a WINDOW_UPDATE right after the settings.
      await eventually(() => expect(session.state.remoteWindowSize).toBe(CONNECTION_RECEIVE_WINDOW_BYTES));
    } finally {
      session.close();
    }
  });

  it('takes a 3 MiB append batch over gRPC', async () => {
    const messages = Array.from({ length: 400 }, (_, i) => ({
      topic: `windows/${i}`,
      payload: Buffer.alloc(8 * 1024, i),
      qos: 1,
    }));
    const r = await call(s.clients.store, s.clients.store.appendMessages, { messages });
    expect(r.positions).toHaveLength(400);
  });

  it('restores http2.createServer after overlapping binds, whichever ends first', async () => {
    const original = http2.createServer;
    for (const firstToEnd of ['a', 'b'] as const) {
      const ends: Record<'a' | 'b', () => void> = { a: () => {}, b: () => {} };
      const bindA = bindWithReceiveWindows(() => new Promise<void>((r) => (ends.a = r)));
      const bindB = bindWithReceiveWindows(() => new Promise<void>((r) => (ends.b = r)));
      expect(http2.createServer).not.toBe(original);
      ends[firstToEnd]();
      await (firstToEnd === 'a' ? bindA : bindB);
      expect(http2.createServer).not.toBe(original);
      ends[firstToEnd === 'a' ? 'b' : 'a']();
      await Promise.all([bindA, bindB]);
      expect(http2.createServer).toBe(original);
    }
  });

  it('leaves http2.createServer as it was once bound', () => {
    const server = http2.createServer();
    expect(server.listenerCount('session')).toBe(0);
    server.close();
  });
});

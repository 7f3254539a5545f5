import http2 from 'node:http2';
import type { AddressInfo } from 'node:net';
import { createLogger } from '@starling/observability';
import { createStoreAccess } from '../../src/store-access';
import { PULL_RECEIVE_WINDOW_BYTES } from '../../src/store-access/store-access';

const logger = createLogger({ service: 'gateway', level: 'silent' });

// A plain HTTP/2 server stands in for the store: it records the SETTINGS and the connection window that the
// gateway's store channel opens (what the store's pull answers may send ahead of the gateway's reading).
test("the gateway's store channel opens a large HTTP/2 receive window for pull answers", async () => {
  const seen: Array<{ initialWindowSize: number | undefined; connectionWindow: number }> = [];
  const server = http2.createServer();
  server.on('session', (session) => {
    session.on('remoteSettings', (settings: http2.Settings) => {
      // The client's WINDOW_UPDATE on the connection follows its SETTINGS at once.
      setTimeout(() => {
        seen.push({
          initialWindowSize: settings.initialWindowSize,
          connectionWindow: session.state.remoteWindowSize ?? 0,
        });
      }, 50);
    });
  });
  server.on('stream', (stream) => stream.respond({ ':status': 200, 'content-type': 'application/grpc' }));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  const access = createStoreAccess({
    addresses: [`127.0.0.1:${port}`],
    gatewayId: 'gw-windows',
    logger,
    appendMaxBatchMessages: 10,
    filterLeaseMs: 60_000,
  });
  try {
    // Any call opens the channel; its answer (not a real store) does not matter here.
    await access.pull({ shard: 0, kind: 'topic', name: 't' }, 0, 1, 1024).catch(() => undefined);
    for (let i = 0; i < 100 && seen.length === 0; i++) await new Promise((r) => setTimeout(r, 20));
    expect(seen[0]).toEqual({
      initialWindowSize: PULL_RECEIVE_WINDOW_BYTES,
      connectionWindow: PULL_RECEIVE_WINDOW_BYTES,
    });
  } finally {
    await access.close();
    server.close();
  }
});

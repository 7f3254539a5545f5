import { Counter } from 'prom-client';
import { createRegistry, startOpsServer, type OpsServer } from '../../src';

describe('startOpsServer (real HTTP on port 0)', () => {
  let server: OpsServer | undefined;
  afterEach(async () => {
    await server?.close();
    server = undefined;
  });

  it('serves /metrics from every registry given', async () => {
    const store = createRegistry({ service: 'store', defaultMetrics: false });
    const gateway = createRegistry({ service: 'gateway', defaultMetrics: false });
    new Counter({ name: 'starling_store_appends_total', help: 'h', registers: [store] }).inc(2);
    new Counter({ name: 'starling_gateway_connections_total', help: 'h', registers: [gateway] }).inc(5);
    server = await startOpsServer({ port: 0, host: '127.0.0.1', registry: [store, gateway] });
    const res = await fetch(`http://127.0.0.1:${server.port}/metrics`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toContain('text/plain');
    const text = await res.text();
    expect(text).toContain('starling_store_appends_total 2');
    expect(text).toContain('starling_gateway_connections_total 5');
  });

  it('answers /healthz regardless of readiness, /readyz by its checks', async () => {
    let recovered = false;
    server = await startOpsServer({
      port: 0,
      host: '127.0.0.1',
      registry: createRegistry({ service: 't', defaultMetrics: false }),
      readiness: [
        { name: 'recovery', check: () => recovered },
        { name: 'nats', check: () => Promise.resolve(true) },
      ],
    });
    const base = `http://127.0.0.1:${server.port}`;
    expect((await fetch(`${base}/healthz`)).status).toBe(200);
    const notReady = await fetch(`${base}/readyz`);
    expect(notReady.status).toBe(503);
    expect(await notReady.json()).toEqual({ ready: false, checks: { recovery: false, nats: true } });
    recovered = true;
    expect((await fetch(`${base}/readyz`)).status).toBe(200);
    server.markNotReady();
    expect((await fetch(`${base}/readyz`)).status).toBe(503);
    expect((await fetch(`${base}/healthz`)).status).toBe(200);
  });

  it('treats a throwing check as not ready and answers 404 for unknown paths', async () => {
    server = await startOpsServer({
      port: 0,
      host: '127.0.0.1',
      registry: createRegistry({ service: 't', defaultMetrics: false }),
      readiness: [{ name: 'broken', check: () => Promise.reject(new Error('boom')) }],
    });
    const base = `http://127.0.0.1:${server.port}`;
    expect((await fetch(`${base}/readyz`)).status).toBe(503);
    expect((await fetch(`${base}/nope`)).status).toBe(404);
  });
});

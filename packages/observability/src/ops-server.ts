import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Registry } from 'prom-client';
import type { Logger } from 'pino';

/** One thing readiness depends on: recovery finished, a dependency reachable. */
export interface ReadinessCheck {
  name: string;
  check(): boolean | Promise<boolean>;
}

export interface OpsServerOptions {
  /** 0 lets the kernel choose; read the chosen one from `handle.port`. */
  port: number;
  host?: string;
  /** One or more registries; standalone mode serves all three services' metrics on one port. */
  registry: Registry | readonly Registry[];
  readiness?: readonly ReadinessCheck[];
  logger?: Logger;
}

export interface OpsServer {
  readonly port: number;
  /** Readiness turns false from here on (graceful shutdown starts with this). */
  markNotReady(): void;
  close(): Promise<void>;
}

/**
 * `/metrics` (Prometheus text), `/healthz` (alive: never depends on a dependency, so a NATS outage
 * never gets a pod restarted), `/readyz` (every readiness check passes; 503 with the failing names otherwise).
 */
export async function startOpsServer(options: OpsServerOptions): Promise<OpsServer> {
  const registries: Registry[] = ([] as Registry[]).concat(options.registry);
  const checks = options.readiness ?? [];
  let shuttingDown = false;

  const readiness = async (): Promise<{ ready: boolean; checks: Record<string, boolean> }> => {
    const results: Record<string, boolean> = {};
    for (const c of checks) {
      try {
        results[c.name] = await c.check();
      } catch {
        results[c.name] = false;
      }
    }
    if (shuttingDown) results['shutdown'] = false;
    return { ready: Object.values(results).every(Boolean), checks: results };
  };

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const path = (req.url ?? '/').split('?')[0] ?? '/';
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.writeHead(405, { allow: 'GET, HEAD' }).end();
      return;
    }
    switch (path) {
      case '/metrics': {
        const first = registries[0];
        const texts = await Promise.all(registries.map((r) => r.metrics()));
        res
          .writeHead(200, { 'content-type': first ? first.contentType : 'text/plain' })
          .end(texts.join('\n'));
        return;
      }
      case '/healthz':
        res.writeHead(200, { 'content-type': 'text/plain' }).end('ok\n');
        return;
      case '/readyz': {
        const r = await readiness();
        res
          .writeHead(r.ready ? 200 : 503, { 'content-type': 'application/json' })
          .end(JSON.stringify(r) + '\n');
        return;
      }
      default:
        res.writeHead(404, { 'content-type': 'text/plain' }).end('not found\n');
    }
  };

  const server = createServer((req, res) => {
    handle(req, res).catch((err: unknown) => {
      options.logger?.error({ err }, 'ops request failed');
      if (!res.headersSent) res.writeHead(500);
      res.end();
    });
  });
  // Scrapers and probes use short-lived connections; never let an idle one hold shutdown open.
  server.keepAliveTimeout = 5_000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, options.host ?? '0.0.0.0', () => {
      server.off('error', reject);
      resolve();
    });
  });
  const port = (server.address() as AddressInfo).port;

  return {
    port,
    markNotReady() {
      shuttingDown = true;
    },
    close() {
      shuttingDown = true;
      return new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
    },
  };
}

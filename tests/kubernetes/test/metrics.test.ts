// Every metric the dashboards and alert rules read is exported by a running service: start the real services,
// scrape /metrics, compare. A renamed metric fails here instead of leaving an SRE with an empty panel.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import {
  makeTempDir,
  startNatsServer,
  startServiceProcess,
  type NatsServerHandle,
  type ProcessHandle,
  type ServicePorts,
  type TempDir,
} from '@starling/test-harness';
import { metricNames, variableMetricNames } from './support/promql';
import { chartDir } from './support/tools';

/** Series that come from Prometheus itself rather than from a Starling service. */
const EXTERNAL_SERIES = new Set(['up']);

interface Panel {
  title?: string;
  targets?: Array<{ expr?: string }>;
  panels?: Panel[];
}

function dashboardQueries(): Array<{ where: string; names: string[] }> {
  const dir = join(chartDir, 'files', 'dashboards');
  const result: Array<{ where: string; names: string[] }> = [];
  for (const file of readdirSync(dir).filter((f) => f.endsWith('.json'))) {
    const dashboard = JSON.parse(readFileSync(join(dir, file), 'utf8')) as {
      panels?: Panel[];
      templating?: { list?: Array<{ name: string; type: string; query?: string | { query?: string } }> };
    };
    const walk = (panels: readonly Panel[]): void => {
      for (const panel of panels) {
        for (const target of panel.targets ?? []) {
          if (target.expr !== undefined && target.expr !== '') {
            result.push({ where: `${file}: ${panel.title ?? '?'}`, names: metricNames(target.expr) });
          }
        }
        walk(panel.panels ?? []);
      }
    };
    walk(dashboard.panels ?? []);
    for (const variable of dashboard.templating?.list ?? []) {
      if (variable.type !== 'query') continue;
      const query = typeof variable.query === 'string' ? variable.query : (variable.query?.query ?? '');
      result.push({ where: `${file}: $${variable.name}`, names: variableMetricNames(query) });
    }
  }
  return result;
}

function ruleQueries(): Array<{ where: string; names: string[] }> {
  const dir = join(chartDir, 'files', 'rules');
  return readdirSync(dir)
    .filter((f) => f.endsWith('.yaml'))
    .flatMap((file) =>
      (
        parse(readFileSync(join(dir, file), 'utf8')) as {
          groups: Array<{ rules: Array<{ alert?: string; record?: string; expr: string }> }>;
        }
      ).groups.flatMap((g) =>
        g.rules.map((r) => ({ where: `${file}: ${r.alert ?? r.record}`, names: metricNames(r.expr) })),
      ),
    );
}

/** Every series name a /metrics page can produce (histograms and summaries expand to their suffixes). */
function exportedNames(text: string): Set<string> {
  const names = new Set<string>();
  for (const line of text.split('\n')) {
    const type = /^# TYPE (\S+) (\S+)/.exec(line);
    if (type !== null) {
      const [, name, kind] = type;
      names.add(name!);
      if (kind === 'histogram') for (const s of ['_bucket', '_sum', '_count']) names.add(name! + s);
      if (kind === 'summary') for (const s of ['_sum', '_count']) names.add(name! + s);
    } else if (line !== '' && !line.startsWith('#')) {
      names.add(/^[^{ ]+/.exec(line)![0]);
    }
  }
  return names;
}

describe('metrics named by dashboards and alerts', () => {
  let nats: NatsServerHandle;
  let data: TempDir;
  const services: Array<ProcessHandle<ServicePorts>> = [];

  beforeAll(async () => {
    nats = await startNatsServer();
    data = makeTempDir('metrics-store');
    const store = await startServiceProcess('store', {
      env: {
        STORE_DATA_DIR: data.path,
        STORE_GRPC_HOST: '127.0.0.1',
        STORE_GRPC_PORT: '0',
        STORE_OPS_PORT: '0',
      },
    });
    services.push(store);
    const storeAddress = `127.0.0.1:${store.ready.grpc}`;
    services.push(
      await startServiceProcess('notifier', {
        env: { NATS_URL: nats.url, NOTIFIER_STORE_ADDRESSES: storeAddress, NOTIFIER_OPS_PORT: '0' },
      }),
      await startServiceProcess('gateway', {
        env: {
          NATS_URL: nats.url,
          GATEWAY_HOST: '127.0.0.1',
          GATEWAY_MQTT_PORT: '0',
          GATEWAY_WS_PORT: '0',
          GATEWAY_OPS_PORT: '0',
          GATEWAY_STORE_ADDRESSES: storeAddress,
          GATEWAY_DRAIN: '0ms',
        },
      }),
    );
  }, 60_000);

  afterAll(async () => {
    await Promise.all(services.map((s) => s.stop()));
    await nats?.stop();
    data?.remove();
  });

  test('every name is exported by the store, the notifier or the gateway', async () => {
    const exported = new Set<string>();
    for (const service of services) {
      const response = await fetch(`http://127.0.0.1:${service.ready.ops}/metrics`);
      expect(response.status).toBe(200);
      for (const name of exportedNames(await response.text())) exported.add(name);
    }
    const queries = [...dashboardQueries(), ...ruleQueries()];
    expect(queries.length).toBeGreaterThan(20);
    const missing = queries.flatMap((q) =>
      q.names.filter((n) => !exported.has(n) && !EXTERNAL_SERIES.has(n)).map((n) => `${q.where}: ${n}`),
    );
    expect(missing).toEqual([]);
    // The check reads something: a query with no metric at all would hide a parsing mistake.
    expect(queries.filter((q) => q.names.length === 0).map((q) => q.where)).toEqual([]);
  });
});

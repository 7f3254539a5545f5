// The alert rules pass promtool, every alert has a unit test and a runbook, and the chart ships them as written.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { parseManifests } from './support/objects';
import { chartDir, helmTemplate, promtoolBin, root, run } from './support/tools';

const rulesDir = join(chartDir, 'files', 'rules');
const ruleFiles = readdirSync(rulesDir)
  .filter((f) => f.endsWith('.yaml'))
  .map((f) => join(rulesDir, f));
const testsDir = join(rulesDir, 'tests');
const testFiles = existsSync(testsDir)
  ? readdirSync(testsDir)
      .filter((f) => f.endsWith('.yaml'))
      .map((f) => join(testsDir, f))
  : [];

interface Rule {
  alert?: string;
  record?: string;
  expr: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
}
const alerts: Rule[] = ruleFiles.flatMap((file) =>
  (parse(readFileSync(file, 'utf8')) as { groups: Array<{ rules: Rule[] }> }).groups.flatMap((g) =>
    g.rules.filter((r) => r.alert !== undefined),
  ),
);

/** GitHub's anchor for a Markdown heading: lower case, spaces to dashes, punctuation dropped. */
const anchorOf = (heading: string): string =>
  heading
    .trim()
    .toLowerCase()
    .replace(/[^\p{L}\p{N}\- _]/gu, '')
    .replace(/ /g, '-');

test('promtool check rules accepts every rule file', () => {
  expect(ruleFiles.length).toBeGreaterThan(0);
  const result = run(promtoolBin(), ['check', 'rules', ...ruleFiles]);
  expect({ status: result.status, output: result.stdout + result.stderr }).toMatchObject({ status: 0 });
});

test('promtool test rules passes', () => {
  expect(testFiles.length).toBeGreaterThan(0);
  const result = run(promtoolBin(), ['test', 'rules', ...testFiles]);
  expect({ status: result.status, output: result.stdout + result.stderr }).toMatchObject({ status: 0 });
});

test('every alert has unit tests that see it fire and see it stay quiet', () => {
  const firing = new Set<string>();
  const quiet = new Set<string>();
  for (const file of testFiles) {
    const doc = parse(readFileSync(file, 'utf8')) as {
      tests: Array<{ alert_rule_test?: Array<{ alertname: string; exp_alerts?: unknown[] }> }>;
    };
    for (const t of doc.tests) {
      for (const a of t.alert_rule_test ?? []) {
        ((a.exp_alerts ?? []).length > 0 ? firing : quiet).add(a.alertname);
      }
    }
  }
  const names = alerts.map((a) => a.alert!);
  expect(names.length).toBeGreaterThanOrEqual(10);
  expect(names.filter((n) => !firing.has(n))).toEqual([]);
  expect(names.filter((n) => !quiet.has(n))).toEqual([]);
});

test('every alert has a severity, a summary, a description and a runbook section in docs/operations.md', () => {
  const operations = readFileSync(join(root, 'docs', 'operations.md'), 'utf8');
  const anchors = new Set(
    operations
      .split('\n')
      .filter((line) => /^#{2,4} /.test(line))
      .map((line) => anchorOf(line.replace(/^#+ /, ''))),
  );
  for (const alert of alerts) {
    expect({
      alert: alert.alert,
      severity: ['critical', 'warning', 'info'].includes(alert.labels?.severity ?? ''),
      summary: typeof alert.annotations?.summary,
      description: typeof alert.annotations?.description,
    }).toEqual({
      alert: alert.alert,
      severity: true,
      summary: 'string',
      description: 'string',
    });
    const url = alert.annotations?.runbook_url ?? '';
    const [base, anchor] = url.split('#');
    expect([alert.alert, base]).toEqual([alert.alert, expect.stringMatching(/\/docs\/operations\.md$/)]);
    expect([alert.alert, anchor, anchors.has(anchor ?? '')]).toEqual([alert.alert, anchor, true]);
  }
});

test('the chart ships the same alerts, with runbook links pointing where the values say', () => {
  const objects = parseManifests(
    helmTemplate(
      [],
      [
        'monitoring.prometheusRule.enabled=true',
        'monitoring.prometheusRule.runbookBaseUrl=https://runbooks.example/ops',
      ],
    ),
  );
  const rule = objects.find((o) => o.kind === 'PrometheusRule');
  expect(rule).toBeDefined();
  const shipped = (rule!.spec as { groups: Array<{ rules: Rule[] }> }).groups.flatMap((g) => g.rules);
  const shippedAlerts = shipped.filter((r) => r.alert !== undefined);
  // The template scopes every `job` matcher to the release's namespace; otherwise the rules are the file's.
  expect(shippedAlerts.map((r) => [r.alert, r.expr])).toEqual(
    alerts.map((r) => [r.alert, r.expr.replaceAll('job=', 'namespace="starling", job=')]),
  );
  for (const r of shippedAlerts) {
    expect(r.annotations?.runbook_url).toMatch(/^https:\/\/runbooks\.example\/ops#[a-z0-9-]+$/);
  }
});

test('the chart ships every dashboard as a ConfigMap labelled for the Grafana sidecar', () => {
  const dashboards = readdirSync(join(chartDir, 'files', 'dashboards')).filter((f) => f.endsWith('.json'));
  expect(dashboards.length).toBeGreaterThanOrEqual(5);
  const objects = parseManifests(helmTemplate([], ['monitoring.dashboards.enabled=true']));
  const shipped = objects
    .filter((o) => o.kind === 'ConfigMap' && o.metadata.labels?.grafana_dashboard === '1')
    .flatMap((o) => Object.keys(o.data ?? {}));
  expect(shipped.sort()).toEqual([...dashboards].sort());
  for (const file of dashboards) {
    const dashboard = JSON.parse(readFileSync(join(chartDir, 'files', 'dashboards', file), 'utf8')) as {
      uid?: string;
      title?: string;
    };
    expect([file, typeof dashboard.uid, typeof dashboard.title]).toEqual([file, 'string', 'string']);
  }
});

test('the job names the rules select on are the ones the ServiceMonitors and PodMonitors give', () => {
  const objects = parseManifests(
    helmTemplate([], ['monitoring.serviceMonitor.enabled=true', 'monitoring.podMonitor.enabled=true']),
  );
  const monitors = objects.filter((o) => o.kind === 'ServiceMonitor' || o.kind === 'PodMonitor');
  expect(monitors).toHaveLength(6);
  const jobs = new Set<string>();
  for (const monitor of monitors) {
    expect([monitor.kind, monitor.metadata.name, (monitor.spec as { jobLabel?: string }).jobLabel]).toEqual([
      monitor.kind,
      monitor.metadata.name,
      'app.kubernetes.io/component',
    ]);
    jobs.add(monitor.metadata.labels!['app.kubernetes.io/component']!);
  }
  expect([...jobs].sort()).toEqual(['gateway', 'notifier', 'store']);
  // Every job matcher in the rules names one of those jobs (exactly or as a regex alternative).
  const matchers = alerts.flatMap((a) =>
    [...a.expr.matchAll(/job(=~?)"([^"]*)"/g)].map((m) => [m[1]!, m[2]!] as const),
  );
  expect(matchers.length).toBeGreaterThan(0);
  for (const [op, value] of matchers) {
    const names = op === '=~' ? value.split('|') : [value];
    for (const name of names) expect([value, jobs.has(name)]).toEqual([value, true]);
  }
});

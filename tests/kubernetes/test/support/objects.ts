import { parseAllDocuments } from 'yaml';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { root, run } from './tools';

/** A rendered Kubernetes object, loosely typed: the checks walk it like the API server would. */
export interface K8sObject {
  apiVersion: string;
  kind: string;
  metadata: {
    name: string;
    namespace?: string;
    labels?: Record<string, string>;
    annotations?: Record<string, string>;
  };
  spec?: Record<string, unknown>;
  data?: Record<string, string>;
  [key: string]: unknown;
}

export function parseManifests(text: string): K8sObject[] {
  const objects: K8sObject[] = [];
  for (const doc of parseAllDocuments(text)) {
    if (doc.errors.length > 0)
      throw new Error(`invalid YAML: ${doc.errors.map((e) => e.message).join('; ')}`);
    const value = doc.toJS() as K8sObject | null;
    if (value !== null && value !== undefined) objects.push(value);
  }
  return objects;
}

export const id = (o: K8sObject): string => `${o.kind}/${o.metadata.name}`;

/** Schema problems per object, from the pinned Kubernetes models (see scripts/validate-objects.mjs). */
export function schemaProblems(objects: readonly K8sObject[]): Array<{ object: string; error: string }> {
  const result = run(
    process.execPath,
    [join(root, 'tests/kubernetes/scripts/validate-objects.mjs')],
    JSON.stringify(objects),
  );
  if (result.status !== 0) throw new Error(`validate-objects failed: ${result.stderr}`);
  return JSON.parse(result.stdout) as Array<{ object: string; error: string }>;
}

export interface Container {
  name: string;
  image?: string;
  args?: string[];
  ports?: Array<{ name?: string; containerPort: number; protocol?: string }>;
  env?: Array<{ name: string; value?: string; valueFrom?: unknown }>;
  envFrom?: Array<{ configMapRef?: { name: string }; secretRef?: { name: string } }>;
  livenessProbe?: Probe;
  readinessProbe?: Probe;
  startupProbe?: Probe;
  securityContext?: Record<string, unknown>;
  volumeMounts?: Array<{ name: string; mountPath: string }>;
  lifecycle?: Record<string, unknown>;
}

export interface Probe {
  httpGet?: { path: string; port: number | string };
  grpc?: { port: number };
  tcpSocket?: { port: number | string };
  exec?: unknown;
}

export interface PodTemplate {
  metadata: { labels?: Record<string, string>; annotations?: Record<string, string> };
  spec: {
    containers: Container[];
    initContainers?: Container[];
    volumes?: Array<{
      name: string;
      configMap?: { name: string };
      secret?: { secretName: string };
      [k: string]: unknown;
    }>;
    securityContext?: Record<string, unknown>;
    terminationGracePeriodSeconds?: number;
    [key: string]: unknown;
  };
}

/** Pod templates of workloads (and bare Pods such as helm test hooks), by object id. */
export function podTemplates(
  objects: readonly K8sObject[],
): Array<{ owner: K8sObject; template: PodTemplate }> {
  const result: Array<{ owner: K8sObject; template: PodTemplate }> = [];
  for (const o of objects) {
    if (['Deployment', 'StatefulSet', 'DaemonSet', 'Job'].includes(o.kind)) {
      result.push({ owner: o, template: (o.spec as { template: PodTemplate }).template });
    } else if (o.kind === 'Pod') {
      result.push({ owner: o, template: { metadata: o.metadata, spec: o.spec as PodTemplate['spec'] } });
    }
  }
  return result;
}

export function matches(
  selector: Record<string, string> | undefined,
  labels: Record<string, string> | undefined,
): boolean {
  if (selector === undefined || Object.keys(selector).length === 0) return false;
  return Object.entries(selector).every(([k, v]) => labels?.[k] === v);
}

/** `kubernetes-models` module and interface for an object's apiVersion and kind. */
function modelOf(o: K8sObject): { module: string; type: string } {
  const [group, version] = o.apiVersion.includes('/') ? o.apiVersion.split('/') : ['', o.apiVersion];
  const module =
    group === 'monitoring.coreos.com'
      ? `@kubernetes-models/prometheus-operator/${group}/${version}/${o.kind}`
      : group === ''
        ? `kubernetes-models/${version}/${o.kind}`
        : `kubernetes-models/${group}/${version}/${o.kind}`;
  return { module, type: `I${o.kind}` };
}

/**
 * Fields the Kubernetes API does not know (a typo such as `portz`, or a field at the wrong level): the JSON
 * schemas accept unknown fields, the API server (strict field validation) does not. Each object is written as a
 * typed literal and checked by the TypeScript compiler, whose excess-property check is exactly that test.
 */
export function unknownFieldProblems(sets: ReadonlyMap<string, readonly K8sObject[]>): string[] {
  const dir = join(root, 'tests', 'kubernetes', 'reports', 'strict-fields');
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  const files: string[] = [];
  const where = new Map<string, string>(); // `file:line` → object
  for (const [name, objects] of sets) {
    const file = join(dir, `${name}.ts`);
    const lines: string[] = [];
    objects.forEach((o, i) => {
      const { module, type } = modelOf(o);
      lines.push(`import type { ${type} as T${i} } from '${module}';`);
    });
    objects.forEach((o, i) => {
      lines.push(`export const o${i}: T${i} = ${JSON.stringify(o)};`);
      where.set(`${name}.ts:${lines.length}`, `${name}: ${id(o)}`);
    });
    writeFileSync(file, lines.join('\n') + '\n');
    files.push(file);
  }
  const tsc = require.resolve('typescript/bin/tsc');
  const result = run(process.execPath, [
    tsc,
    '--noEmit',
    '--strict',
    '--skipLibCheck',
    '--module',
    'commonjs',
    '--moduleResolution',
    'node10',
    '--types',
    'node',
    ...files,
  ]);
  const problems: string[] = [];
  for (const line of result.stdout.split('\n')) {
    const m = /([^/\\]+\.ts)\((\d+),\d+\): error TS\d+: (.*)/.exec(line);
    if (m === null) continue;
    problems.push(`${where.get(`${m[1]}:${m[2]}`) ?? `${m[1]}:${m[2]}`}: ${m[3]}`);
  }
  if (result.status !== 0 && problems.length === 0)
    problems.push(`tsc failed: ${result.stdout}${result.stderr}`);
  return problems;
}

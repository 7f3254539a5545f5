// The chart renders, lints and validates for every profile, and its objects are wired to each other the way
// the API server and kubelet will need: selectors, named ports, probes, config references, hardening.
import { readFileSync } from 'node:fs';
import {
  type Container,
  type K8sObject,
  id,
  matches,
  parseManifests,
  podTemplates,
  schemaProblems,
  unknownFieldProblems,
} from './support/objects';
import { chartDir, chartProfiles, helmBin, helmTemplate, run } from './support/tools';

const profiles = chartProfiles();

const rendered = new Map<string, K8sObject[]>();
function render(profile: { name: string; files: string[] }): K8sObject[] {
  let objects = rendered.get(profile.name);
  if (objects === undefined) {
    objects = parseManifests(helmTemplate(profile.files));
    rendered.set(profile.name, objects);
  }
  return objects;
}

const workloadsOf = (objects: readonly K8sObject[]) =>
  podTemplates(objects).filter((p) => p.owner.kind !== 'Pod');
const containersOf = (template: { spec: { containers: Container[]; initContainers?: Container[] } }) => [
  ...template.spec.containers,
  ...(template.spec.initContainers ?? []),
];

test('the CI profiles exist: minimal, high availability, external NATS, TLS, monitoring, ACL', () => {
  const names = profiles.map((p) => p.name);
  for (const wanted of ['minimal', 'ha', 'external-nats', 'tls', 'monitoring', 'acl'])
    expect(names).toContain(wanted);
});

describe.each(profiles)('profile $name', (profile) => {
  test('helm lint --strict passes', () => {
    const args = ['lint', '--strict', chartDir];
    for (const file of profile.files) args.push('-f', file);
    const result = run(helmBin(), args);
    expect({ status: result.status, output: result.stdout + result.stderr }).toMatchObject({ status: 0 });
  });

  test('renders, and every object is valid against the pinned Kubernetes schema', () => {
    const objects = render(profile);
    expect(objects.length).toBeGreaterThan(5);
    expect(schemaProblems(objects)).toEqual([]);
  });

  test('every object carries the common labels; names are unique per kind', () => {
    const objects = render(profile);
    const seen = new Set<string>();
    for (const o of objects) {
      expect([id(o), o.metadata.labels?.['app.kubernetes.io/name']]).toEqual([id(o), 'starling']);
      expect([id(o), o.metadata.labels?.['app.kubernetes.io/instance']]).toEqual([id(o), 'starling']);
      expect([id(o), seen.has(id(o))]).toEqual([id(o), false]);
      seen.add(id(o));
    }
  });

  test('workload selectors match their own pod labels', () => {
    for (const { owner, template } of workloadsOf(render(profile))) {
      const selector = (owner.spec as { selector: { matchLabels: Record<string, string> } }).selector
        .matchLabels;
      expect([id(owner), matches(selector, template.metadata.labels)]).toEqual([id(owner), true]);
    }
  });

  test('every Service selects pods and targets a named container port they expose', () => {
    const objects = render(profile);
    const pods = podTemplates(objects);
    for (const service of objects.filter((o) => o.kind === 'Service')) {
      const spec = service.spec as {
        selector?: Record<string, string>;
        ports: Array<{ name?: string; port: number; targetPort?: string | number }>;
      };
      const selected = pods.filter(
        (p) => p.owner.kind !== 'Pod' && matches(spec.selector, p.template.metadata.labels),
      );
      expect([id(service), selected.length > 0]).toEqual([id(service), true]);
      for (const port of spec.ports) {
        expect([id(service), port.port, typeof port.targetPort]).toEqual([id(service), port.port, 'string']);
        for (const pod of selected) {
          const named = containersOf(pod.template)
            .flatMap((c) => c.ports ?? [])
            .map((p) => p.name);
          expect([id(service), id(pod.owner), named]).toEqual([
            id(service),
            id(pod.owner),
            expect.arrayContaining([port.targetPort]),
          ]);
        }
      }
    }
  });

  test('probes point at ports the container exposes', () => {
    for (const { owner, template } of podTemplates(render(profile))) {
      for (const c of template.spec.containers) {
        const ports = c.ports ?? [];
        for (const probe of [c.livenessProbe, c.readinessProbe, c.startupProbe]) {
          if (probe === undefined) continue;
          const port = probe.httpGet?.port ?? probe.tcpSocket?.port ?? probe.grpc?.port;
          if (port === undefined) continue; // exec probes
          const exists = ports.some((p) => p.name === port || p.containerPort === port);
          expect([id(owner), c.name, port, exists]).toEqual([id(owner), c.name, port, true]);
        }
      }
    }
  });

  test('long-running containers have liveness and readiness probes; liveness is /healthz', () => {
    for (const { owner, template } of workloadsOf(render(profile))) {
      for (const c of template.spec.containers) {
        expect([id(owner), c.name, c.livenessProbe !== undefined, c.readinessProbe !== undefined]).toEqual([
          id(owner),
          c.name,
          true,
          true,
        ]);
        if (c.args?.[0] !== undefined && ['gateway', 'store', 'notifier'].includes(c.args[0])) {
          expect([id(owner), c.livenessProbe?.httpGet?.path]).toEqual([id(owner), '/healthz']);
          expect([id(owner), c.readinessProbe?.httpGet?.path ?? 'grpc']).toEqual([
            id(owner),
            expect.stringMatching(/^(\/readyz|grpc)$/),
          ]);
        }
      }
    }
  });

  test('PDBs, HPAs, NetworkPolicies and monitors point at things that exist', () => {
    const objects = render(profile);
    const pods = workloadsOf(objects);
    for (const pdb of objects.filter((o) => o.kind === 'PodDisruptionBudget')) {
      const selector = (pdb.spec as { selector: { matchLabels: Record<string, string> } }).selector
        .matchLabels;
      expect([id(pdb), pods.some((p) => matches(selector, p.template.metadata.labels))]).toEqual([
        id(pdb),
        true,
      ]);
    }
    for (const hpa of objects.filter((o) => o.kind === 'HorizontalPodAutoscaler')) {
      const ref = (hpa.spec as { scaleTargetRef: { kind: string; name: string } }).scaleTargetRef;
      expect([id(hpa), objects.some((o) => o.kind === ref.kind && o.metadata.name === ref.name)]).toEqual([
        id(hpa),
        true,
      ]);
    }
    for (const policy of objects.filter((o) => o.kind === 'NetworkPolicy')) {
      const selector = (policy.spec as { podSelector: { matchLabels?: Record<string, string> } }).podSelector
        .matchLabels;
      const selected = pods.filter((p) => matches(selector, p.template.metadata.labels));
      expect([id(policy), selected.length > 0]).toEqual([id(policy), true]);
      const ingress =
        (policy.spec as { ingress?: Array<{ ports?: Array<{ port?: string | number }> }> }).ingress ?? [];
      for (const port of ingress.flatMap((rule) => rule.ports ?? [])) {
        if (typeof port.port !== 'string') continue;
        const exposed = selected.some((p) =>
          containersOf(p.template).some((c) => (c.ports ?? []).some((cp) => cp.name === port.port)),
        );
        expect([id(policy), port.port, exposed]).toEqual([id(policy), port.port, true]);
      }
    }
    for (const monitor of objects.filter((o) => o.kind === 'ServiceMonitor')) {
      const spec = monitor.spec as {
        selector: { matchLabels: Record<string, string> };
        endpoints: Array<{ port: string }>;
      };
      const services = objects.filter(
        (o) => o.kind === 'Service' && matches(spec.selector.matchLabels, o.metadata.labels),
      );
      expect([id(monitor), services.length > 0]).toEqual([id(monitor), true]);
      for (const endpoint of spec.endpoints) {
        const found = services.some((s) =>
          (s.spec as { ports: Array<{ name?: string }> }).ports.some((p) => p.name === endpoint.port),
        );
        expect([id(monitor), endpoint.port, found]).toEqual([id(monitor), endpoint.port, true]);
      }
    }
    for (const monitor of objects.filter((o) => o.kind === 'PodMonitor')) {
      const spec = monitor.spec as {
        selector: { matchLabels: Record<string, string> };
        podMetricsEndpoints: Array<{ port: string }>;
      };
      const selected = pods.filter((p) => matches(spec.selector.matchLabels, p.template.metadata.labels));
      expect([id(monitor), selected.length > 0]).toEqual([id(monitor), true]);
      for (const endpoint of spec.podMetricsEndpoints) {
        const found = selected.some((p) =>
          containersOf(p.template).some((c) => (c.ports ?? []).some((cp) => cp.name === endpoint.port)),
        );
        expect([id(monitor), endpoint.port, found]).toEqual([id(monitor), endpoint.port, true]);
      }
    }
  });

  test('StatefulSets name a headless Service that exists', () => {
    const objects = render(profile);
    for (const set of objects.filter((o) => o.kind === 'StatefulSet')) {
      const serviceName = (set.spec as { serviceName: string }).serviceName;
      const service = objects.find((o) => o.kind === 'Service' && o.metadata.name === serviceName);
      expect([id(set), (service?.spec as { clusterIP?: string } | undefined)?.clusterIP]).toEqual([
        id(set),
        'None',
      ]);
    }
  });

  test('config references resolve: ConfigMaps are rendered, Secrets are rendered or supplied by the profile', () => {
    const objects = render(profile);
    const configMaps = new Set(objects.filter((o) => o.kind === 'ConfigMap').map((o) => o.metadata.name));
    const secrets = new Set(objects.filter((o) => o.kind === 'Secret').map((o) => o.metadata.name));
    const profileText = profile.files.map((f) => readFileSync(f, 'utf8')).join('\n');
    for (const { owner, template } of podTemplates(objects)) {
      const cmRefs = [
        ...containersOf(template).flatMap((c) => (c.envFrom ?? []).map((e) => e.configMapRef?.name)),
        ...(template.spec.volumes ?? []).map((v) => v.configMap?.name),
      ].filter((n): n is string => n !== undefined);
      for (const name of cmRefs)
        expect([id(owner), name, configMaps.has(name)]).toEqual([id(owner), name, true]);
      const secretRefs = [
        ...containersOf(template).flatMap((c) => (c.envFrom ?? []).map((e) => e.secretRef?.name)),
        ...(template.spec.volumes ?? []).map((v) => v.secret?.secretName),
      ].filter((n): n is string => n !== undefined);
      for (const name of secretRefs) {
        const known = secrets.has(name) || profileText.includes(name);
        expect([id(owner), name, known]).toEqual([id(owner), name, true]);
      }
    }
  });

  test('pods are hardened: non-root, read-only root, no privilege escalation, all capabilities dropped', () => {
    for (const { owner, template } of podTemplates(render(profile))) {
      const pod = template.spec.securityContext ?? {};
      for (const c of containersOf(template)) {
        const sc = c.securityContext ?? {};
        const caps = (sc.capabilities as { drop?: string[] } | undefined)?.drop ?? [];
        expect({
          object: id(owner),
          container: c.name,
          runAsNonRoot: sc.runAsNonRoot ?? pod.runAsNonRoot,
          readOnlyRootFilesystem: sc.readOnlyRootFilesystem,
          allowPrivilegeEscalation: sc.allowPrivilegeEscalation,
          dropsAll: caps.includes('ALL'),
        }).toEqual({
          object: id(owner),
          container: c.name,
          runAsNonRoot: true,
          readOnlyRootFilesystem: true,
          allowPrivilegeEscalation: false,
          dropsAll: true,
        });
      }
    }
  });

  test('pods whose configuration the chart renders roll when it changes (checksum annotations)', () => {
    for (const { owner, template } of workloadsOf(render(profile))) {
      const usesChartConfig = containersOf(template).some((c) =>
        (c.envFrom ?? []).some((e) => e.configMapRef),
      );
      if (!usesChartConfig) continue;
      expect([id(owner), template.metadata.annotations?.['checksum/config']]).toEqual([
        id(owner),
        expect.stringMatching(/^[0-9a-f]{64}$/),
      ]);
    }
  });
});

test('no rendered object has a field the Kubernetes API does not know, in any profile', () => {
  const sets = new Map(profiles.map((p) => [p.name, render(p)] as const));
  expect(unknownFieldProblems(sets)).toEqual([]);
}, 120_000);

test('the helm test hook does a real MQTT round trip against the gateway', () => {
  const hooks = render(profiles[0]!).filter((o) => o.metadata.annotations?.['helm.sh/hook'] === 'test');
  expect(hooks.length).toBeGreaterThan(0);
  const script = JSON.stringify(hooks);
  expect(script).toMatch(/mosquitto_sub/);
  expect(script).toMatch(/mosquitto_pub/);
});

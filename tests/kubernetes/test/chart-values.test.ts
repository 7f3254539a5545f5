// What values do to the rendered chart: refusals with a message naming the value, no default credentials, the
// drain window sizing the grace period, sharding wired into every client, and the device-facing Service options.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { type K8sObject, parseManifests, podTemplates } from './support/objects';
import { KUBE_VERSION, chartDir, helmBin, helmTemplate, helmTemplateError, run } from './support/tools';

const find = (objects: readonly K8sObject[], kind: string, name: string): K8sObject => {
  const found = objects.find((o) => o.kind === kind && o.metadata.name === name);
  if (found === undefined) throw new Error(`${kind}/${name} not rendered`);
  return found;
};

const gatewayPod = (objects: readonly K8sObject[]) =>
  podTemplates(objects).find((p) => p.owner.metadata.name === 'starling-gateway')!.template;

test.each([
  [['gateway.replicaz=3'], /replicaz/],
  [['gateway.config.drainn=5s'], /drainn/],
  [['gateway.config.drain=ten seconds'], /drain/],
  [['store.config.fsync=sometimes'], /fsync/],
  [['store.shards=0'], /shards/],
  [['nats.enabled=false'], /nats\.url is required/],
  [['gateway.tls.enabled=true'], /gateway\.tls\.secretName is required/],
  [
    [
      'gateway.auth.existingSecret=a',
      `gateway.auth.passwordLines[0]=u:scrypt$${'00'.repeat(16)}$${'ab'.repeat(32)}`,
    ],
    /not both/,
  ],
  [['gateway.auth.passwordLines[0]=plain-password'], /passwordLines/],
  [
    ['gateway.acl.existingConfigMap=fleet-acl', 'gateway.acl.rules[0]=all subscribe announcements/#'],
    /set either gateway\.acl\.existingConfigMap or gateway\.acl\.rules, not both/,
  ],
  [['gateway.acl.deniedPublish=drop'], /deniedPublish/],
  [['gateway.acl.rules[0]=alice all devices/alice/#'], /acl\/rules/],
  [['nats.resources.limits.memory=12x'], /nats\.resources\.limits\.memory: "12x" is not a memory quantity/],
])('refuses %j with a message naming the value', (set, message) => {
  expect(helmTemplateError(set)).toMatch(message);
});

test('no default credentials: anonymous is off and the chart renders no password Secret', () => {
  const objects = parseManifests(helmTemplate());
  expect(find(objects, 'ConfigMap', 'starling-gateway').data?.['GATEWAY_ALLOW_ANONYMOUS']).toBe('false');
  expect(objects.filter((o) => o.kind === 'Secret')).toEqual([]);
  const anonymous = parseManifests(helmTemplate([], ['gateway.auth.allowAnonymous=true']));
  expect(find(anonymous, 'ConfigMap', 'starling-gateway').data?.['GATEWAY_ALLOW_ANONYMOUS']).toBe('true');
});

test('password lines become a Secret mounted as GATEWAY_AUTH_FILE; a change does not roll the gateways', () => {
  const line = (salt: string) => `gateway.auth.passwordLines[0]=fleet:scrypt$${salt}$${'ab'.repeat(32)}`;
  const a = parseManifests(helmTemplate([], [line('00'.repeat(16))]));
  const b = parseManifests(helmTemplate([], [line('11'.repeat(16))]));
  const secret = a.find((o) => o.kind === 'Secret')!;
  expect(secret).toBeDefined();
  expect(find(a, 'ConfigMap', 'starling-gateway').data?.['GATEWAY_AUTH_FILE']).toBe(
    '/etc/starling/auth/passwords',
  );
  const gateway = (objects: K8sObject[]) =>
    podTemplates(objects).find((p) => p.owner.metadata.name === 'starling-gateway')!;
  const volumes = gateway(a).template.spec.volumes ?? [];
  expect(volumes.some((v) => v.secret?.secretName === secret.metadata.name)).toBe(true);
  // The gateways read the file again (GATEWAY_RELOAD_INTERVAL): rotating a password must not restart them,
  // which would disconnect every client. The pod template is the same whatever the lines.
  expect(gateway(a).template.metadata).toEqual(gateway(b).template.metadata);
  expect(b.find((o) => o.kind === 'Secret')!.data).not.toEqual(secret.data);
});

test('no ACL by default: no ACL file, no ACL ConfigMap or volume, denied publishes acknowledged', () => {
  const objects = parseManifests(helmTemplate());
  const config = find(objects, 'ConfigMap', 'starling-gateway').data!;
  expect(config['GATEWAY_ACL_FILE']).toBeUndefined();
  expect(config['GATEWAY_ACL_DENIED_PUBLISH']).toBe('acknowledge');
  expect(objects.filter((o) => o.metadata.name.endsWith('-acl'))).toEqual([]);
  expect((gatewayPod(objects).spec.volumes ?? []).map((v) => v.name)).not.toContain('acl');
});

test('ACL rules become a ConfigMap mounted as GATEWAY_ACL_FILE; a change does not roll the gateways', () => {
  const rules = [
    '# devices own their subtree',
    'user:alice  all        devices/alice/#',
    'all         subscribe  announcements/#',
    'all         publish    devices/%c/telemetry',
  ];
  const set = (lines: readonly string[]) => lines.map((line, i) => `gateway.acl.rules[${i}]=${line}`);
  const a = parseManifests(helmTemplate([], set(rules)));
  const b = parseManifests(helmTemplate([], set([...rules, 'all subscribe status/#'])));
  expect(find(a, 'ConfigMap', 'starling-gateway-acl').data).toEqual({ acl: `${rules.join('\n')}\n` });
  const config = find(a, 'ConfigMap', 'starling-gateway').data!;
  expect(config['GATEWAY_ACL_FILE']).toBe('/etc/starling/acl/acl');
  expect(config['GATEWAY_ACL_DENIED_PUBLISH']).toBe('acknowledge');
  const pod = gatewayPod(a);
  const volume = (pod.spec.volumes ?? []).find((v) => v.configMap?.name === 'starling-gateway-acl');
  expect(volume).toEqual({
    name: 'acl',
    configMap: { name: 'starling-gateway-acl', items: [{ key: 'acl', path: 'acl' }] },
  });
  const mount = pod.spec.containers[0]!.volumeMounts?.find((m) => m.name === volume!.name);
  expect(mount).toEqual({ name: 'acl', mountPath: '/etc/starling/acl', readOnly: true });
  // The file the gateway is told to read is the one the volume puts there.
  expect(config['GATEWAY_ACL_FILE']).toBe(`${mount!.mountPath}/acl`);
  // The gateways read the file again (GATEWAY_RELOAD_INTERVAL): new rules must not restart them, which would
  // disconnect every client. The pod template is the same whatever the rules.
  expect(gatewayPod(a).metadata).toEqual(gatewayPod(b).metadata);
  expect(find(b, 'ConfigMap', 'starling-gateway-acl').data!['acl']).toContain('all subscribe status/#');
});

test('an existing ACL ConfigMap is mounted by its name and key instead; the chart renders none', () => {
  const objects = parseManifests(
    helmTemplate(
      [],
      [
        'gateway.acl.existingConfigMap=fleet-acl',
        'gateway.acl.existingConfigMapKey=rules.txt',
        'gateway.acl.deniedPublish=disconnect',
      ],
    ),
  );
  expect(objects.filter((o) => o.metadata.name.endsWith('-acl'))).toEqual([]);
  const config = find(objects, 'ConfigMap', 'starling-gateway').data!;
  expect(config['GATEWAY_ACL_FILE']).toBe('/etc/starling/acl/acl');
  expect(config['GATEWAY_ACL_DENIED_PUBLISH']).toBe('disconnect');
  const pod = gatewayPod(objects);
  expect((pod.spec.volumes ?? []).find((v) => v.name === 'acl')).toEqual({
    name: 'acl',
    configMap: { name: 'fleet-acl', items: [{ key: 'rules.txt', path: 'acl' }] },
  });
  expect(pod.spec.containers[0]!.volumeMounts?.find((m) => m.name === 'acl')).toEqual({
    name: 'acl',
    mountPath: '/etc/starling/acl',
    readOnly: true,
  });
  // Nothing rolls the gateways on an ACL change: they read the file again.
  expect(pod.metadata.annotations?.['checksum/acl']).toBeUndefined();
});

test('ACL refusals hold without the schema too (helm --skip-schema-validation)', () => {
  const refusal = (set: readonly string[]) => {
    const args = [
      'template',
      'starling',
      chartDir,
      '--kube-version',
      KUBE_VERSION,
      '--skip-schema-validation',
    ];
    for (const pair of set) args.push('--set', pair);
    const result = run(helmBin(), args);
    expect(result.status).not.toBe(0);
    return result.stderr;
  };
  expect(refusal(['gateway.acl.deniedPublish=drop'])).toContain(
    'gateway.acl.deniedPublish must be acknowledge or disconnect, got "drop"',
  );
  expect(
    refusal([
      'gateway.acl.existingConfigMap=fleet-acl',
      'gateway.acl.rules[0]=all subscribe announcements/#',
    ]),
  ).toContain('set either gateway.acl.existingConfigMap or gateway.acl.rules, not both');
});

test('the gateway grace period covers preStop, the drain window and a margin', () => {
  for (const [drain, seconds] of [
    ['10s', 10],
    ['90s', 90],
    ['2m', 120],
    ['500ms', 1],
  ] as const) {
    const objects = parseManifests(helmTemplate([], [`gateway.config.drain=${drain}`]));
    const pod = podTemplates(objects).find((p) => p.owner.metadata.name === 'starling-gateway')!.template;
    expect(find(objects, 'ConfigMap', 'starling-gateway').data?.['GATEWAY_DRAIN']).toBe(drain);
    const preStop = 5;
    expect([drain, pod.spec.terminationGracePeriodSeconds! >= preStop + seconds + 5]).toEqual([drain, true]);
  }
});

test('store shards: one StatefulSet replica per shard, and every client lists every shard in order', () => {
  const objects = parseManifests(helmTemplate([], ['store.shards=3']));
  const store = find(objects, 'StatefulSet', 'starling-store');
  expect((store.spec as { replicas: number }).replicas).toBe(3);
  expect(find(objects, 'ConfigMap', 'starling-store').data?.['STORE_SHARD_COUNT']).toBe('3');
  const addresses = [0, 1, 2]
    .map((i) => `starling-store-${i}.starling-store-headless.starling.svc.cluster.local:7400`)
    .join(',');
  expect(find(objects, 'ConfigMap', 'starling-gateway').data?.['GATEWAY_STORE_ADDRESSES']).toBe(addresses);
  expect(find(objects, 'ConfigMap', 'starling-notifier').data?.['NOTIFIER_STORE_ADDRESSES']).toBe(addresses);
  // Each pod learns its shard from its StatefulSet ordinal.
  const container = (store.spec as { template: { spec: { containers: Array<{ env?: unknown[] }> } } })
    .template.spec.containers[0]!;
  expect(JSON.stringify(container.env)).toContain("metadata.labels['apps.kubernetes.io/pod-index']");
});

test('the device-facing Service takes the load-balancer options; TLS adds 8883', () => {
  const objects = parseManifests(
    helmTemplate(
      [],
      [
        'gateway.service.loadBalancerClass=service.k8s.aws/nlb',
        'gateway.service.loadBalancerSourceRanges[0]=10.0.0.0/8',
        'gateway.service.externalTrafficPolicy=Cluster',
        'gateway.service.annotations.example\\.com/scheme=internet-facing',
        'gateway.tls.enabled=true',
        'gateway.tls.secretName=mqtt-tls',
      ],
    ),
  );
  const service = find(objects, 'Service', 'starling-gateway-external');
  expect(service.metadata.annotations).toEqual({ 'example.com/scheme': 'internet-facing' });
  expect(service.spec).toMatchObject({
    type: 'LoadBalancer',
    loadBalancerClass: 'service.k8s.aws/nlb',
    loadBalancerSourceRanges: ['10.0.0.0/8'],
    externalTrafficPolicy: 'Cluster',
  });
  const ports = (service.spec as { ports: Array<{ name: string; port: number }> }).ports;
  expect(ports.map((p) => [p.name, p.port])).toEqual([
    ['mqtt', 1883],
    ['mqtts', 8883],
    ['ws', 8083],
  ]);
  const plain = parseManifests(helmTemplate());
  const plainPorts = (
    find(plain, 'Service', 'starling-gateway-external').spec as { ports: Array<{ name: string }> }
  ).ports;
  expect(plainPorts.map((p) => p.name)).toEqual(['mqtt', 'ws']);
});

test('device certificates name users only with client certificates verified (gateway.tls.identity)', () => {
  const tls = ['gateway.tls.enabled=true', 'gateway.tls.secretName=mqtt-tls', 'gateway.tls.clientCa=true'];
  const config = find(
    parseManifests(helmTemplate([], [...tls, 'gateway.tls.identity=cn'])),
    'ConfigMap',
    'starling-gateway',
  ).data!;
  expect([config['GATEWAY_TLS_CA_FILE'], config['GATEWAY_TLS_IDENTITY']]).toEqual([
    '/etc/starling/tls/ca.crt',
    'cn',
  ]);
  expect(() => helmTemplate([], [...tls.slice(0, 2), 'gateway.tls.identity=cn'])).toThrow(
    /gateway\.tls\.identity=cn needs gateway\.tls\.clientCa=true/,
  );
  expect(() => helmTemplate([], [...tls, 'gateway.tls.identity=subject'])).toThrow(/identity/);
});

test('external NATS: no NATS objects, every client uses the given URL', () => {
  const objects = parseManifests(
    helmTemplate([], ['nats.enabled=false', 'nats.url=nats://nats.shared:4222']),
  );
  expect(objects.filter((o) => o.metadata.labels?.['app.kubernetes.io/component'] === 'nats')).toEqual([]);
  expect(find(objects, 'ConfigMap', 'starling-gateway').data?.['NATS_URL']).toBe('nats://nats.shared:4222');
  expect(find(objects, 'ConfigMap', 'starling-notifier').data?.['NATS_URL']).toBe('nats://nats.shared:4222');
});

test('the chart-run NATS is clustered with routes to every replica when it has more than one', () => {
  const objects = parseManifests(helmTemplate([], ['nats.replicas=3']));
  const conf = Object.values(
    objects.find((o) => o.kind === 'ConfigMap' && o.metadata.name.includes('nats'))!.data!,
  )[0]!;
  for (const i of [0, 1, 2]) expect(conf).toContain(`starling-nats-${i}.`);
  expect(conf).not.toMatch(/jetstream\s*[:{]/i);
});

test('the chart-run NATS gets GOMEMLIMIT at nine tenths of its memory limit, GOMAXPROCS from its CPU limit', () => {
  const natsEnv = (set: string[]) => {
    const pod = podTemplates(parseManifests(helmTemplate([], set))).find(
      (p) => p.owner.metadata.name === 'starling-nats',
    )!.template;
    const env = pod.spec.containers.find((c) => c.name === 'nats')!.env ?? [];
    return Object.fromEntries(
      env.filter((e) => e.name.startsWith('GO')).map((e) => [e.name, e.value ?? e.valueFrom]),
    );
  };
  // The default: 256Mi of memory, no CPU limit (Go's default of one thread per node CPU is then right).
  expect(natsEnv([])).toEqual({ GOMEMLIMIT: String(Math.floor(256 * 2 ** 20 * 0.9)) });
  expect(natsEnv(['nats.resources.limits.memory=1.5Gi', 'nats.resources.limits.cpu=500m'])).toEqual({
    GOMEMLIMIT: String(Math.floor(1.5 * 2 ** 30 * 0.9)),
    GOMAXPROCS: { resourceFieldRef: { containerName: 'nats', resource: 'limits.cpu', divisor: '1' } },
  });
  expect(natsEnv(['nats.resources.limits.memory=512M'])).toEqual({ GOMEMLIMIT: String(512e6 * 0.9) });
  expect(natsEnv(['nats.resources.limits.memory=268435456'])).toEqual({
    GOMEMLIMIT: String(Math.floor(268435456 * 0.9)),
  });
  expect(natsEnv(['nats.resources.limits=null'])).toEqual({});
});

test('values.yaml documents every value (a `# --` comment on it or on the map that holds it)', () => {
  // Helm's convention (helm-docs): a value without a doc comment is a value nobody can find.
  const lines = readFileSync(join(chartDir, 'values.yaml'), 'utf8').split('\n');
  const documented = (i: number): boolean => {
    let j = i - 1;
    while (j >= 0 && lines[j]!.trim().startsWith('#')) {
      if (lines[j]!.includes('# --')) return true;
      j--;
    }
    return false;
  };
  const undocumented: string[] = [];
  const stack: Array<{ indent: number; documented: boolean }> = []; // the maps above the current line
  lines.forEach((line, i) => {
    const key = /^(\s*)(- )?([A-Za-z][A-Za-z0-9./-]*):(.*)$/.exec(line);
    if (key === null) return;
    const indent = key[1]!.length + (key[2] === undefined ? 0 : 2);
    while (stack.length > 0 && stack[stack.length - 1]!.indent >= indent) stack.pop();
    const here = documented(i) || stack.some((s) => s.documented);
    const value = key[4]!.trim();
    if (value === '' || value.startsWith('#')) stack.push({ indent, documented: here });
    else if (!here) undocumented.push(`${i + 1}: ${line.trim()}`);
  });
  expect(undocumented).toEqual([]);
});

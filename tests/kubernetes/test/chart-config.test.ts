// The chart's configuration is read by the services' own config loaders: every variable a ConfigMap sets is one
// the service knows and accepts, for every profile; and the defaults in values.yaml are the services' defaults,
// so a chart install behaves like the documented service (a changed default cannot silently stay old here).
import { loadGatewayConfig } from '@starling/gateway';
import { loadNotifierConfig } from '@starling/notifier';
import { loadStoreConfig } from '@starling/store';
import { type K8sObject, parseManifests, podTemplates } from './support/objects';
import { chartProfiles, helmTemplate } from './support/tools';

type Loader = (env: Record<string, string>) => { config: unknown; unknownVariables: string[] };
const services: Record<string, { prefix: string; load: Loader }> = {
  gateway: { prefix: 'GATEWAY', load: loadGatewayConfig },
  store: { prefix: 'STORE', load: loadStoreConfig },
  notifier: { prefix: 'NOTIFIER', load: loadNotifierConfig },
};

const profiles = chartProfiles();

/** The ConfigMap the component's workload loads its environment from (not e.g. the gateway's ACL file). */
function configMapEnv(objects: readonly K8sObject[], component: string): Record<string, string> {
  const workload = podTemplates(objects).find(
    (p) => p.owner.kind !== 'Pod' && p.owner.metadata.labels?.['app.kubernetes.io/component'] === component,
  );
  const names = (workload?.template.spec.containers ?? []).flatMap((c) =>
    (c.envFrom ?? []).flatMap((e) => (e.configMapRef === undefined ? [] : [e.configMapRef.name])),
  );
  const map = objects.find((o) => o.kind === 'ConfigMap' && names.includes(o.metadata.name) && o.data);
  if (map === undefined) throw new Error(`no environment ConfigMap for ${component}`);
  return map.data!;
}

describe.each(profiles)('profile $name', (profile) => {
  test.each(Object.keys(services))('the %s accepts every variable its ConfigMap sets', (component) => {
    const env = configMapEnv(parseManifests(helmTemplate(profile.files)), component);
    const { load } = services[component]!;
    // Files named by the config (TLS, passwords) are read at start by main, not by the loader.
    let result: ReturnType<Loader> | undefined;
    expect(() => (result = load(env))).not.toThrow();
    expect(result!.unknownVariables).toEqual([]);
  });
});

test.each(Object.keys(services))(
  "values.yaml's %s.config defaults are the service's own defaults",
  (component) => {
    const { prefix, load } = services[component]!;
    const env = configMapEnv(parseManifests(helmTemplate()), component);
    // Only what `<component>.config` renders (the chart sets ports, addresses and identity itself).
    const tunables = Object.fromEntries(
      Object.entries(env).filter(
        ([name]) =>
          name.startsWith(`${prefix}_`) &&
          !/_(PORT|HOST|ADDRESSES|DATA_DIR|SHARD_INDEX|SHARD_COUNT|ID|ALLOW_ANONYMOUS|AUTH_FILE)$/.test(
            name,
          ) &&
          !name.startsWith(`${prefix}_TLS_`),
      ),
    );
    expect(Object.keys(tunables).length).toBeGreaterThan(0);
    expect(load(tunables).config).toEqual(load({}).config);
  },
);

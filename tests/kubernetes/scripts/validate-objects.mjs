// Validates Kubernetes objects against the OpenAPI schema of the pinned Kubernetes version.
//
//   node validate-objects.mjs < objects.json     → prints [{ "object": "Kind/name", "error": "..." }] (empty: all valid)
//
// The models (`kubernetes-models`, `@kubernetes-models/prometheus-operator`) are ES modules only, and the tests
// run as CommonJS under jest: this small script is the bridge, run as a child process.
import { readFileSync } from 'node:fs';

const objects = JSON.parse(readFileSync(0, 'utf8'));
const problems = [];

function modulePath(apiVersion, kind) {
  const [group, version] = apiVersion.includes('/') ? apiVersion.split('/') : ['', apiVersion];
  if (group === 'monitoring.coreos.com')
    return `@kubernetes-models/prometheus-operator/${group}/${version}/${kind}`;
  return group === ''
    ? `kubernetes-models/${version}/${kind}`
    : `kubernetes-models/${group}/${version}/${kind}`;
}

for (const object of objects) {
  const label = `${object.kind}/${object.metadata?.name ?? '?'}`;
  let Model;
  try {
    const module = await import(modulePath(object.apiVersion, object.kind));
    Model = module[object.kind];
  } catch (err) {
    problems.push({
      object: label,
      error: `unknown apiVersion/kind ${object.apiVersion} ${object.kind}: ${err.message}`,
    });
    continue;
  }
  if (typeof Model !== 'function') {
    problems.push({ object: label, error: `no model for ${object.apiVersion} ${object.kind}` });
    continue;
  }
  try {
    new Model(object).validate();
  } catch (err) {
    problems.push({ object: label, error: err.message });
  }
}
process.stdout.write(JSON.stringify(problems));

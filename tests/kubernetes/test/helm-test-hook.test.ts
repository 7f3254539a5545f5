// `helm test` runs the chart's round-trip Pod. Its script is run here, as rendered, against a real gateway
// (the standalone, password users only), so the hook is known to pass against a working Starling and to fail
// against a broken one — not only to render.
import { spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { hashPasswordLine } from '@starling/gateway';
import {
  makeTempDir,
  startServiceProcess,
  type ProcessHandle,
  type ServicePorts,
  type TempDir,
} from '@starling/test-harness';
import { parseManifests, podTemplates } from './support/objects';
import { helmTemplate } from './support/tools';

function hookScript(): string {
  const objects = parseManifests(helmTemplate([], ['tests.credentialsSecret=starling-test-user']));
  const hook = podTemplates(objects).find((p) => p.owner.metadata.annotations?.['helm.sh/hook'] === 'test');
  expect(hook).toBeDefined();
  const container = hook!.template.spec.containers[0]!;
  expect((container as { command?: string[] }).command).toEqual(['/bin/sh', '-ec']);
  expect(container.env?.map((e) => e.name)).toEqual(['MQTT_USERNAME', 'MQTT_PASSWORD']);
  return container.args![0]!;
}

function runScript(
  script: string,
  env: Record<string, string>,
): Promise<{ status: number | null; output: string }> {
  return new Promise((resolve) => {
    const child = spawn('/bin/sh', ['-ec', script], { env: { ...process.env, ...env } });
    let output = '';
    child.stdout.on('data', (d: Buffer) => (output += d.toString()));
    child.stderr.on('data', (d: Buffer) => (output += d.toString()));
    child.on('close', (status) => resolve({ status, output }));
  });
}

describe('the helm test hook, run against a real gateway', () => {
  let dir: TempDir;
  let starling: ProcessHandle<ServicePorts>;
  let script: string;

  beforeAll(async () => {
    dir = makeTempDir('helm-test-hook');
    const authFile = join(dir.path, 'passwords');
    writeFileSync(authFile, `${await hashPasswordLine('fleet', 'correct horse')}\n`);
    starling = await startServiceProcess('standalone', {
      env: {
        STORE_DATA_DIR: join(dir.path, 'data'),
        STORE_GRPC_PORT: '0',
        STANDALONE_OPS_PORT: '0',
        GATEWAY_MQTT_PORT: '0',
        GATEWAY_WS_PORT: '0',
        GATEWAY_ALLOW_ANONYMOUS: 'false',
        GATEWAY_AUTH_FILE: authFile,
      },
    });
    // The Pod reaches the gateway's ClusterIP Service on 1883 and writes to its /tmp volume; here the same
    // script reaches the local gateway and writes to a temp dir.
    script = hookScript()
      .replace(/^host=.*$/m, 'host=127.0.0.1')
      .replaceAll('-p 1883', `-p ${starling.ready['mqtt']}`)
      .replaceAll('/tmp/received', join(dir.path, 'received'));
  }, 60_000);

  afterAll(async () => {
    await starling?.stop();
    dir?.remove();
  });

  test('passes: the message published at QoS 1 comes back to the subscriber', async () => {
    const result = await runScript(script, { MQTT_USERNAME: 'fleet', MQTT_PASSWORD: 'correct horse' });
    expect(result).toEqual({ status: 0, output: expect.stringContaining("OK: 'round-trip ") as unknown });
  }, 45_000);

  test('fails when the gateway refuses it (wrong password)', async () => {
    const result = await runScript(script, { MQTT_USERNAME: 'fleet', MQTT_PASSWORD: 'wrong' });
    expect(result.status).not.toBe(0);
    expect(result.output).toContain('FAIL');
  }, 45_000);
});

import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import {
  startNatsServer,
  startProcess,
  workspaceRoot,
  type NatsServerHandle,
  type ProcessHandle,
} from '@starling/test-harness';

/**
 * The image's entrypoint, `bin/starling.js <service>` (ADR 0005), run against the apps built in this repository:
 * it runs the named service in its own process (Node stays PID 1 in the image) and refuses anything else.
 */
describe('image entrypoint (bin/starling.js)', () => {
  const entry = join(workspaceRoot(), 'bin', 'starling.js');
  let nats: NatsServerHandle | undefined;
  let gateway: ProcessHandle<Record<string, number>> | undefined;
  afterAll(async () => {
    await gateway?.kill('SIGKILL');
    await nats?.stop();
  });

  it('runs a service by name; it handles SIGTERM itself and exits 0', async () => {
    nats = await startNatsServer();
    gateway = await startProcess<Record<string, number>>({
      name: 'starling gateway',
      command: process.execPath,
      args: [entry, 'gateway'],
      env: {
        LOG_LEVEL: 'info',
        NATS_URL: nats.url,
        GATEWAY_HOST: '127.0.0.1',
        GATEWAY_MQTT_PORT: '0',
        GATEWAY_WS_PORT: '-1',
        GATEWAY_OPS_PORT: '0',
      },
      readyWhen: (line) => {
        const parsed = JSON.parse(line) as { msg?: string; service?: string; ports?: Record<string, number> };
        return parsed.msg === 'listening' && parsed.service === 'gateway' ? parsed.ports : undefined;
      },
    });
    expect(gateway.ready['mqtt']).toBeGreaterThan(0);
    expect(await gateway.kill('SIGTERM')).toEqual({ code: 0, signal: null });
  }, 30_000);

  it('runs the passwd tool: a password-file line for the user, password from stdin', () => {
    const result = spawnSync(process.execPath, [entry, 'passwd', 'alice'], {
      input: 'secret\n',
      encoding: 'utf8',
      timeout: 10_000,
    });
    expect({ status: result.status, stderr: result.stderr }).toEqual({ status: 0, stderr: '' });
    expect(result.stdout).toMatch(/^alice:scrypt\$[0-9a-f]{32}\$[0-9a-f]{64}\n$/);
  });

  it.each([['nope'], ['Gateway'], [''], ['constructor']])(
    'refuses the unknown service %j with the usage and exit 2',
    (name) => {
      const result = spawnSync(process.execPath, [entry, name], { encoding: 'utf8', timeout: 10_000 });
      expect(result.status).toBe(2);
      expect(result.stderr).toMatch(/^usage: starling <store\|notifier\|gateway\|standalone>/);
    },
  );

  it('prints the usage and exits 2 without a service', () => {
    const result = spawnSync(process.execPath, [entry], { encoding: 'utf8', timeout: 10_000 });
    expect(result.status).toBe(2);
    expect(result.stderr).toMatch(/^usage: starling/);
  });
});

import { spawn, spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  eventually,
  makeTempDir,
  startServiceProcess,
  uniqueName,
  workspaceRoot,
  type ProcessHandle,
  type ServicePorts,
  type TempDir,
} from '@starling/test-harness';
import { SHAPE_START_TIMEOUT_MS } from '../support/e2e';
import { connectClient, type TestClient } from '../support/mqtt-clients';
import { startMultiProcessShape, type MultiProcessShape } from '../support/system-shapes';
import { makeTestPki, type TestPki } from '../support/tls-certs';

interface Tool {
  readonly stdout: string[];
  readonly stderr: string[];
  /** Exit code (null when killed by the timer). */
  readonly done: Promise<number | null>;
}

/** A mosquitto command-line tool over TLS, killed after `timeoutMs` whatever happens. */
function mosquitto(
  command: 'mosquitto_pub' | 'mosquitto_sub',
  port: number,
  args: string[],
  timeoutMs = 10_000,
): Tool {
  const child = spawn(command, ['-h', '127.0.0.1', '-p', String(port), '-V', 'mqttv311', ...args], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const stdout: string[] = [];
  const stderr: string[] = [];
  child.stdout.on('data', (d: Buffer) =>
    stdout.push(
      ...d
        .toString()
        .split('\n')
        .filter((l) => l !== ''),
    ),
  );
  child.stderr.on('data', (d: Buffer) =>
    stderr.push(
      ...d
        .toString()
        .split('\n')
        .filter((l) => l !== ''),
    ),
  );
  const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
  const done = new Promise<number | null>((resolve, reject) => {
    child.once('error', reject);
    child.once('close', (code) => {
      clearTimeout(timer);
      resolve(code);
    });
  });
  return { stdout, stderr, done };
}

/** `starling_gateway_connections_closed_total{reason="tls-handshake-failed"}` of a gateway process. */
async function handshakeFailures(opsPort: number): Promise<number> {
  const text = await (await fetch(`http://127.0.0.1:${opsPort}/metrics`)).text();
  const line = text
    .split('\n')
    .find((l) => l.startsWith('starling_gateway_connections_closed_total{reason="tls-handshake-failed"'));
  return line === undefined ? 0 : Number(line.split(' ').pop());
}

/**
 * MQTT over TLS with real processes and real clients: the gateway serves `mqtts` next to `mqtt` from PEM files
 * made by the openssl CLI; mosquitto (libmosquitto + OpenSSL) and mqtt.js (Node's TLS) connect to it.
 */
describe('MQTT over TLS (GATEWAY_TLS_*, multi-process)', () => {
  let dir: TempDir;
  let pki: TestPki;
  let shape: MultiProcessShape;
  /** A second gateway on the same store and NATS that requires client certificates (GATEWAY_TLS_CA_FILE). */
  let mtlsGateway: ProcessHandle<ServicePorts>;
  const clients: TestClient[] = [];
  const track = (c: TestClient): TestClient => {
    clients.push(c);
    return c;
  };

  beforeAll(async () => {
    dir = makeTempDir('tls-e2e');
    pki = makeTestPki(dir.path);
    const tlsEnv = {
      GATEWAY_TLS_PORT: '0',
      GATEWAY_TLS_CERT_FILE: pki.serverCert,
      GATEWAY_TLS_KEY_FILE: pki.serverKey,
    };
    shape = await startMultiProcessShape({ gateways: 1, gatewayEnv: tlsEnv });
    mtlsGateway = await startServiceProcess('gateway', {
      env: {
        GATEWAY_ID: `gw-mtls-${process.pid}`,
        GATEWAY_HOST: '127.0.0.1',
        GATEWAY_MQTT_PORT: '0',
        GATEWAY_WS_PORT: '-1',
        GATEWAY_OPS_PORT: '0',
        GATEWAY_STORE_ADDRESSES: shape.storeAddresses.join(','),
        GATEWAY_ALLOW_ANONYMOUS: 'true',
        GATEWAY_DRAIN: '0ms',
        NATS_URL: shape.nats.url,
        ...tlsEnv,
        GATEWAY_TLS_CA_FILE: pki.caCert,
      },
    });
  }, SHAPE_START_TIMEOUT_MS);
  afterAll(async () => {
    await Promise.all(clients.map((c) => c.end().catch(() => undefined)));
    await mtlsGateway?.stop();
    await shape?.stop();
    dir?.remove();
  }, 30_000);

  const tlsPort = (): number => shape.gateways[0]!.ready['mqtts']!;
  const mqttsUrl = (port = tlsPort()): string => `mqtts://127.0.0.1:${port}`;

  it('reports the TLS port as mqtts in the listening line, apart from mqtt', () => {
    expect(tlsPort()).toBeGreaterThan(0);
    expect(shape.gateways[0]!.ready['mqtt']).not.toBe(tlsPort());
  });

  it('mosquitto_pub → mosquitto_sub round trip over TLS (--cafile)', async () => {
    const topic = `${uniqueName()}/t`;
    const tls = ['--cafile', pki.caCert];
    const sub = mosquitto(
      'mosquitto_sub',
      tlsPort(),
      [...tls, '-t', topic, '-q', '1', '-C', '1', '-W', '15', '-F', '%q %t %p'],
      20_000,
    );
    // mosquitto_sub says nothing once subscribed: publish until it prints something.
    await eventually(
      async () => {
        const pub = mosquitto('mosquitto_pub', tlsPort(), [...tls, '-t', topic, '-m', 'over-tls', '-q', '1']);
        expect(await pub.done).toBe(0);
        expect(pub.stderr).toEqual([]);
        expect(sub.stdout.length).toBeGreaterThan(0);
      },
      { timeoutMs: 15_000, intervalMs: 200 },
    );
    expect(await sub.done).toBe(0);
    expect(sub.stdout).toEqual([`1 ${topic} over-tls`]);
  }, 30_000);

  it('mqtt.js over mqtts:// publishes to a subscriber on plain mqtt:// and back', async () => {
    const topic = `${uniqueName()}/t`;
    const secure = track(
      await connectClient(mqttsUrl(), { clientId: uniqueName('tls'), ca: readFileSync(pki.caCert) }),
    );
    const plain = track(await connectClient(shape.mqttUrl(0), { clientId: uniqueName('plain') }));
    await secure.client.subscribeAsync(`${topic}/to-tls`, { qos: 1 });
    await plain.client.subscribeAsync(`${topic}/to-plain`, { qos: 1 });
    await secure.client.publishAsync(`${topic}/to-plain`, 'from-tls', { qos: 1 });
    await plain.client.publishAsync(`${topic}/to-tls`, 'from-plain', { qos: 1 });
    await eventually(() => {
      expect(secure.received.map((m) => m.payload.toString())).toEqual(['from-plain']);
      expect(plain.received.map((m) => m.payload.toString())).toEqual(['from-tls']);
    });
  }, 20_000);

  it('a client trusting the wrong CA fails the handshake; a plain client on mqtt keeps working', async () => {
    const topic = `${uniqueName()}/t`;
    const opsPort = shape.opsPort(0);
    const plain = track(await connectClient(shape.mqttUrl(0), { clientId: uniqueName('plain') }));
    await plain.client.subscribeAsync(topic, { qos: 1 });
    const before = await handshakeFailures(opsPort);

    await expect(
      connectClient(mqttsUrl(), { clientId: uniqueName('wrong-ca'), ca: readFileSync(pki.otherCaCert) }),
    ).rejects.toThrow(/certificate/);
    const wrongCa = mosquitto('mosquitto_pub', tlsPort(), [
      '--cafile',
      pki.otherCaCert,
      '-t',
      topic,
      '-m',
      'x',
      '-q',
      '1',
    ]);
    expect(await wrongCa.done).not.toBe(0);
    expect(wrongCa.stderr.join('\n')).toMatch(/certificate|TLS|SSL/i);

    await eventually(async () => expect(await handshakeFailures(opsPort)).toBeGreaterThanOrEqual(before + 2));
    // The plain connection never noticed.
    await plain.client.publishAsync(topic, 'still-here', { qos: 1 });
    await eventually(() => expect(plain.received.map((m) => m.payload.toString())).toEqual(['still-here']));
    expect(plain.client.connected).toBe(true);
    expect(plain.errors).toEqual([]);
  }, 30_000);

  it('with GATEWAY_TLS_CA_FILE a client without a certificate is refused, one with a certificate works', async () => {
    const port = mtlsGateway.ready['mqtts']!;
    const ca = readFileSync(pki.caCert);
    await expect(connectClient(mqttsUrl(port), { clientId: uniqueName('no-cert'), ca })).rejects.toThrow();

    const topic = `${uniqueName()}/t`;
    const withCert = track(
      await connectClient(mqttsUrl(port), {
        clientId: uniqueName('cert'),
        ca,
        cert: readFileSync(pki.clientCert),
        key: readFileSync(pki.clientKey),
      }),
    );
    await withCert.client.subscribeAsync(topic, { qos: 1 });
    await withCert.client.publishAsync(topic, 'mutual', { qos: 1 });
    await eventually(() => expect(withCert.received.map((m) => m.payload.toString())).toEqual(['mutual']));

    const tool = mosquitto('mosquitto_pub', port, [
      ...['--cafile', pki.caCert, '--cert', pki.clientCert, '--key', pki.clientKey],
      ...['-t', topic, '-m', 'mutual-mosquitto', '-q', '1'],
    ]);
    expect(await tool.done).toBe(0);
    await eventually(() => expect(withCert.received).toHaveLength(2));
    expect(await handshakeFailures(mtlsGateway.ready['ops']!)).toBeGreaterThanOrEqual(1);
  }, 30_000);

  it.each([
    [
      'an unreadable certificate file',
      { GATEWAY_TLS_CERT_FILE: '/nonexistent/tls.crt' },
      /GATEWAY_TLS_CERT_FILE.*cannot read/,
    ],
    [
      'a key that is not PEM',
      { GATEWAY_TLS_KEY_FILE: '/etc/hostname' },
      /GATEWAY_TLS_KEY_FILE.*not a PEM private key/,
    ],
    [
      'a key of another certificate',
      { GATEWAY_TLS_KEY_FILE: 'client.key' },
      /GATEWAY_TLS_KEY_FILE.*does not match/,
    ],
    ['a missing key variable', { GATEWAY_TLS_KEY_FILE: '' }, /GATEWAY_TLS_KEY_FILE: is required/],
  ])(
    'refuses to start with %s: exit 2, naming the variable',
    (_name, override, message) => {
      const env: NodeJS.ProcessEnv = {
        ...process.env,
        LOG_LEVEL: 'info',
        GATEWAY_OPS_PORT: '0',
        GATEWAY_MQTT_PORT: '0',
        GATEWAY_TLS_PORT: '0',
        GATEWAY_TLS_CERT_FILE: pki.serverCert,
        GATEWAY_TLS_KEY_FILE: pki.serverKey,
      };
      for (const [k, v] of Object.entries(override))
        env[k] = v.endsWith('.key') && !v.startsWith('/') ? join(dir.path, v) : v;
      const result = spawnSync(process.execPath, [join(workspaceRoot(), 'apps/gateway/dist/main.js')], {
        env,
        encoding: 'utf8',
        timeout: 15_000,
      });
      expect(result.stderr).toMatch(message);
      expect(result.status).toBe(2);
    },
    20_000,
  );
});

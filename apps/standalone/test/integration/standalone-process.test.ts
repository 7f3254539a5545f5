import { spawn } from 'node:child_process';
import { Metadata } from '@grpc/grpc-js';
import mqtt from 'mqtt';
import { createMessagingClient } from '@starling/proto';
import { eventually, makeTempDir, startServiceProcess } from '@starling/test-harness';

/** Runs a command to completion and returns its stdout (bounded by `timeoutMs`). */
function run(
  command: string,
  args: string[],
  timeoutMs = 10_000,
): Promise<{ code: number | null; stdout: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.once('error', reject);
    child.once('exit', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout });
    });
  });
}

/** The README's `pnpm start`, as a real process: MQTT and gRPC both ways, ready, clean stop, data kept. */
describe('standalone process', () => {
  const dir = makeTempDir('standalone');
  let stopLater: (() => Promise<unknown>) | undefined;
  afterAll(async () => {
    await stopLater?.(); // a failed assertion must not leave the process running
    dir.remove();
  });
  const env = {
    STORE_DATA_DIR: dir.path,
    STORE_GRPC_PORT: '0',
    STANDALONE_OPS_PORT: '0',
    GATEWAY_MQTT_PORT: '0',
    GATEWAY_WS_PORT: '0',
  };

  it('serves MQTT (mosquitto clients) and the produce/consume API; a produced message reaches MQTT subscribers', async () => {
    let proc = await startServiceProcess('standalone', { env });
    stopLater = () => proc.kill('SIGKILL');
    const ops = `http://127.0.0.1:${proc.ready['ops']}`;
    await eventually(async () => expect((await fetch(`${ops}/readyz`)).status).toBe(200));
    const metrics = await (await fetch(`${ops}/metrics`)).text();
    for (const name of [
      'starling_store_messages_appended_total',
      'starling_notifier_events_published_total',
      'starling_gateway_connections',
    ]) {
      expect(metrics).toContain(name);
    }
    const mqttPort = String(proc.ready['mqtt']);

    // A device subscribes with mosquitto_sub; another publishes with mosquitto_pub (QoS 1). mosquitto_sub has no
    // "subscribed" signal, so what it waits for is produced retained: it arrives live or as the retained message
    // on subscribe, whichever way the race goes.
    const sub = run('mosquitto_sub', [
      '-h',
      '127.0.0.1',
      '-p',
      mqttPort,
      '-t',
      'greetings/fr',
      '-q',
      '1',
      '-C',
      '1',
      '-W',
      '15',
      '-v',
    ]);
    const subscriber = await mqtt.connectAsync(`mqtt://127.0.0.1:${mqttPort}`, {
      clientId: 'watcher',
      clean: true,
    });
    const seen: string[] = [];
    subscriber.on('message', (topic, payload) => seen.push(`${topic} ${payload.toString()}`));
    await subscriber.subscribeAsync('greetings/#', { qos: 1 });
    // Retry the publish until the mqtt.js subscriber sees it (the first may precede its subscription).
    await eventually(
      async () => {
        const pub = await run('mosquitto_pub', [
          '-h',
          '127.0.0.1',
          '-p',
          mqttPort,
          '-t',
          'greetings/en',
          '-m',
          'hello',
          '-q',
          '1',
        ]);
        expect(pub.code).toBe(0);
        expect(seen).toContain('greetings/en hello');
      },
      { timeoutMs: 10_000, intervalMs: 300 },
    );

    // A backend service produces over gRPC; MQTT subscribers receive it.
    const client = createMessagingClient(`127.0.0.1:${proc.ready['grpc']}`);
    await new Promise<void>((resolve, reject) =>
      client.produceMessages(
        {
          producerId: 'svc',
          messages: [{ topic: 'greetings/fr', payload: Buffer.from('bonjour'), qos: 1, retain: true }],
        },
        new Metadata(),
        (err) => (err ? reject(err) : resolve()),
      ),
    );
    await eventually(() => expect(seen).toContain('greetings/fr bonjour'));
    const got = await sub;
    expect(got.stdout).toContain('greetings/fr bonjour');
    await subscriber.endAsync();
    client.close();

    expect(await proc.stop()).toEqual({ code: 0, signal: null });
    expect(proc.lines.join('\n')).toContain('store closed cleanly');

    // Data survives a clean restart: a consumer group reads what MQTT clients published.
    proc = await startServiceProcess('standalone', { env });
    const again = createMessagingClient(`127.0.0.1:${proc.ready['grpc']}`);
    const consumed = await new Promise<{ messages: Array<{ payload: Buffer }> }>((resolve, reject) =>
      again.consumeMessages(
        { group: 'g', topic: 'greetings', start: 'START_POSITION_EARLIEST', waitMs: 2000 },
        new Metadata(),
        (err, res) => (err ? reject(err) : resolve(res!)),
      ),
    );
    const payloads = consumed.messages.map((m) => m.payload.toString());
    expect(payloads).toContain('hello');
    expect(payloads).toContain('bonjour');
    again.close();
    expect((await proc.stop()).code).toBe(0);
  }, 60_000);
});

/** GATEWAY_TLS_* pass through to the embedded gateway; the `listening` line reports the TLS port. */
describe('standalone process with MQTT over TLS', () => {
  const dir = makeTempDir('standalone-tls');
  afterAll(() => dir.remove());

  it('serves mosquitto clients on the reported mqtts port with a certificate they trust', async () => {
    const cert = `${dir.path}/cert.pem`;
    const key = `${dir.path}/key.pem`;
    const made = await run('openssl', [
      'req',
      '-x509',
      '-newkey',
      'rsa:2048',
      '-nodes',
      '-days',
      '1',
      '-subj',
      '/CN=127.0.0.1',
      '-addext',
      'subjectAltName=IP:127.0.0.1',
      '-keyout',
      key,
      '-out',
      cert,
    ]);
    expect(made.code).toBe(0);
    const proc = await startServiceProcess('standalone', {
      env: {
        STORE_DATA_DIR: `${dir.path}/data`,
        STORE_GRPC_PORT: '0',
        STANDALONE_OPS_PORT: '0',
        GATEWAY_MQTT_PORT: '0',
        GATEWAY_WS_PORT: '-1',
        GATEWAY_TLS_PORT: '0',
        GATEWAY_TLS_CERT_FILE: cert,
        GATEWAY_TLS_KEY_FILE: key,
      },
    });
    try {
      const port = proc.ready['mqtts']!;
      expect(port).toBeGreaterThan(0);
      expect(port).not.toBe(proc.ready['mqtt']);
      const tls = ['-h', '127.0.0.1', '-p', String(port), '--cafile', cert, '-q', '1'];
      // Retained, so the subscriber gets it whichever of the two connects first.
      const published = await run('mosquitto_pub', [...tls, '-t', 'secure/a', '-m', 'over tls', '-r']);
      expect(published.code).toBe(0);
      const received = await run('mosquitto_sub', [...tls, '-t', 'secure/+', '-C', '1', '-W', '10', '-v']);
      expect(received).toEqual({ code: 0, stdout: 'secure/a over tls\n' });
    } finally {
      expect(await proc.kill('SIGTERM')).toEqual({ code: 0, signal: null });
    }
  }, 30_000);
});

import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import mqtt, { ErrorWithSubackPacket, type IClientOptions, type MqttClient } from 'mqtt';
import {
  eventually,
  makeTempDir,
  startServiceProcess,
  uniqueName,
  type TempDir,
} from '@starling/test-harness';
import { hashPasswordLine } from '../../src';
import {
  clients,
  connackCode,
  connectTcp,
  counterValue,
  mqttOptions,
  startGatewayOnStore,
  startStack,
  type GatewayOnStore,
  type Stack,
} from '../support/gateway-stack';
import { startInProcessStore } from '../support/in-process-store';
import { makeTestPki, type TestPki } from '../support/tls-certs';

// Topic authorization with real clients: a store, the gateway with a password file and an ACL file, mqtt.js.

const ACL = `
# who         action     filter
user:alice    all        devices/alice/#
user:admin    subscribe  #
all           publish    sensors/%c/data
anonymous     subscribe  public/+
`;

async function usersAndAcl(dir: TempDir, acl: string): Promise<Record<string, string>> {
  const users = join(dir.path, 'users');
  writeFileSync(
    users,
    `${await hashPasswordLine('alice', 'a-pass')}\n${await hashPasswordLine('admin', 'x-pass')}\n`,
  );
  const aclFile = join(dir.path, `acl-${uniqueName()}`);
  writeFileSync(aclFile, acl);
  return { GATEWAY_ALLOW_ANONYMOUS: 'true', GATEWAY_AUTH_FILE: users, GATEWAY_ACL_FILE: aclFile };
}

const alice = (): IClientOptions => ({
  clientId: uniqueName('alice'),
  username: 'alice',
  password: 'a-pass',
});
const admin = (): IClientOptions => ({
  clientId: uniqueName('admin'),
  username: 'admin',
  password: 'x-pass',
});

/** Everything `client` receives, as `topic payload`. */
function collect(client: MqttClient): string[] {
  const received: string[] = [];
  client.on('message', (topic, payload) => received.push(`${topic} ${payload.toString()}`));
  return received;
}

/** The SUBACK codes for `filters` (mqtt.js rejects a SUBACK holding 0x80, with the packet). */
async function subackCodes(
  client: MqttClient,
  filters: Record<string, { qos: 0 | 1 | 2 }>,
): Promise<number[]> {
  try {
    return (await client.subscribeAsync(filters)).map((g) => g.qos);
  } catch (err) {
    if (!(err instanceof ErrorWithSubackPacket)) throw err;
    // A 3.1.1 SUBACK's codes are numbers (mqtt-packet types them as numbers or v5 objects).
    return err.packet.granted as number[];
  }
}

describe('gateway topic authorization (GATEWAY_ACL_FILE)', () => {
  let stack: Stack;
  let dir: TempDir;
  beforeAll(async () => {
    dir = makeTempDir();
    stack = await startStack(await usersAndAcl(dir, ACL));
  });
  afterAll(async () => {
    await stack.close();
    dir.remove();
  });

  test('a publish the ACL refuses is acknowledged at QoS 1 and 2 but never stored nor delivered', async () => {
    const watcher = await connectTcp(stack, admin());
    const seen = collect(watcher);
    await watcher.subscribeAsync('devices/#', { qos: 1 });
    const publisher = await connectTcp(stack, alice());
    const before = await counterValue(stack.metrics.authorizationDenials, { action: 'publish' });
    await publisher.publishAsync('devices/bob/cmd', 'denied-1', { qos: 1 });
    await publisher.publishAsync('devices/bob/cmd', 'denied-2', { qos: 2 });
    publisher.publish('devices/bob/cmd', 'denied-0', { qos: 0 });
    await publisher.publishAsync('devices/alice/temp', 'allowed', { qos: 1 });
    // The allowed message went through the same connection after the refused ones, and arrives alone.
    await eventually(() => expect(seen).toContain('devices/alice/temp allowed'));
    expect(seen).toEqual(['devices/alice/temp allowed']);
    expect(await counterValue(stack.metrics.authorizationDenials, { action: 'publish' })).toBe(before + 3);
    expect(publisher.connected).toBe(true);
  });

  test('SUBSCRIBE answers 0x80 for a filter the ACL does not cover, and grants the others', async () => {
    const client = await connectTcp(stack, alice());
    const before = await counterValue(stack.metrics.authorizationDenials, { action: 'subscribe' });
    const codes = await subackCodes(client, {
      'devices/alice/#': { qos: 1 },
      'devices/#': { qos: 1 },
      'devices/alice/+/x': { qos: 0 },
    });
    expect(codes).toEqual([1, 0x80, 0]);
    expect(await counterValue(stack.metrics.authorizationDenials, { action: 'subscribe' })).toBe(before + 1);
  });

  test('%c lets each client publish under its own client id only', async () => {
    const watcher = await connectTcp(stack, admin());
    const seen = collect(watcher);
    await watcher.subscribeAsync('sensors/#', { qos: 1 });
    const sensor = await connectTcp(stack, { clientId: 'sensor-7' });
    await sensor.publishAsync('sensors/sensor-8/data', 'not mine', { qos: 1 });
    await sensor.publishAsync('sensors/sensor-7/data', 'mine', { qos: 1 });
    await eventually(() => expect(seen).toContain('sensors/sensor-7/data mine'));
    expect(seen).toEqual(['sensors/sensor-7/data mine']);
  });

  test('anonymous clients get the anonymous rules only', async () => {
    const anonymous = await connectTcp(stack, { clientId: uniqueName('anon') });
    const codes = await subackCodes(anonymous, { 'public/news': { qos: 0 }, 'devices/alice/#': { qos: 0 } });
    expect(codes).toEqual([0, 0x80]);
  });

  test('a will on a topic the client may not publish to is refused at CONNECT with 0x05', async () => {
    const will = {
      topic: 'devices/bob/status',
      payload: Buffer.from('gone'),
      qos: 1 as const,
      retain: false,
    };
    expect(await connackCode(stack, { ...alice(), will })).toBe(5);
    expect(await counterValue(stack.metrics.authFailures, { reason: 'will-not-authorized' })).toBe(1);
    const allowed = { ...will, topic: 'devices/alice/status' };
    expect(await connackCode(stack, { ...alice(), will: allowed })).toBe(0);
  });
});

describe('GATEWAY_ACL_DENIED_PUBLISH=disconnect', () => {
  let stack: Stack;
  let dir: TempDir;
  beforeAll(async () => {
    dir = makeTempDir();
    stack = await startStack({ ...(await usersAndAcl(dir, ACL)), GATEWAY_ACL_DENIED_PUBLISH: 'disconnect' });
  });
  afterAll(async () => {
    await stack.close();
    dir.remove();
  });

  test('closes the connection of a client publishing where it may not, without acknowledging', async () => {
    const client = await connectTcp(stack, alice());
    const closed = new Promise<void>((resolve) => client.once('close', () => resolve()));
    let acknowledged = false;
    client.publish('devices/bob/cmd', 'denied', { qos: 1 }, (err) => {
      if (!err) acknowledged = true;
    });
    await closed;
    expect(acknowledged).toBe(false);
  });
});

describe('a persistent session resumed under an ACL that no longer allows one of its subscriptions', () => {
  test('the revoked subscription is neither resumed nor kept in the store; the others go on', async () => {
    const dir = makeTempDir();
    const store = await startInProcessStore();
    let gateway: GatewayOnStore | undefined;
    try {
      const broad = await usersAndAcl(dir, 'user:alice all devices/alice/#\nuser:alice subscribe shared/#\n');
      gateway = await startGatewayOnStore(store.server, broad);
      const url = (): string => `mqtt://127.0.0.1:${gateway!.gateway.ports.mqtt}`;
      const session = { ...alice(), clean: false };
      const first = await mqtt.connectAsync(url(), mqttOptions(session));
      await first.subscribeAsync({ 'devices/alice/#': { qos: 1 }, 'shared/news': { qos: 1 } }, {});
      await first.endAsync();
      await gateway.close();

      // The file changes: shared/# is no longer readable by alice.
      gateway = await startGatewayOnStore(
        store.server,
        await usersAndAcl(dir, 'user:alice all devices/alice/#\n'),
      );
      const second = await mqtt.connectAsync(url(), mqttOptions(session));
      clients.push(second);
      expect(second.connected).toBe(true);
      const seen = collect(second);
      await eventually(async () =>
        expect(
          await counterValue(gateway!.metrics.authorizationDenials, { action: 'resumed-subscription' }),
        ).toBe(1),
      );
      // Another gateway's writer: no ACL, so it can publish to both topics.
      const writer = await startGatewayOnStore(store.server);
      try {
        const w = await mqtt.connectAsync(
          `mqtt://127.0.0.1:${writer.gateway.ports.mqtt}`,
          mqttOptions({ clientId: uniqueName('w') }),
        );
        await w.publishAsync('shared/news', 'revoked', { qos: 1 });
        await w.publishAsync('devices/alice/cmd', 'kept', { qos: 1 });
        await w.endAsync();
      } finally {
        await writer.close();
      }
      await eventually(() => expect(seen).toContain('devices/alice/cmd kept'));
      expect(seen).toEqual(['devices/alice/cmd kept']);
      // The store no longer holds it: the next connection resumes one subscription, with nothing to revoke.
      await second.endAsync();
      const third = await mqtt.connectAsync(url(), mqttOptions(session));
      clients.push(third);
      expect(third.connected).toBe(true);
      const thirdSeen = collect(third);
      const w = await mqtt.connectAsync(url(), mqttOptions(alice()));
      clients.push(w);
      await w.publishAsync('devices/alice/cmd', 'still kept', { qos: 1 });
      await eventually(() => expect(thirdSeen).toContain('devices/alice/cmd still kept'));
      expect(
        await counterValue(gateway.metrics.authorizationDenials, { action: 'resumed-subscription' }),
      ).toBe(1);
    } finally {
      await gateway?.close();
      await store.stop();
      dir.remove();
    }
  });
});

describe('a bad ACL file', () => {
  test('stops the gateway process at start (exit 2), naming the variable, the file and the line', async () => {
    const dir = makeTempDir();
    try {
      const file = join(dir.path, 'acl');
      writeFileSync(file, '# rules\nuser:alice read devices/#\n');
      const started = startServiceProcess('gateway', {
        env: { GATEWAY_ACL_FILE: file, GATEWAY_MQTT_PORT: '0', GATEWAY_WS_PORT: '0', GATEWAY_OPS_PORT: '0' },
      });
      await expect(started).rejects.toThrow('exited (code 2');
      await expect(started).rejects.toThrow(
        `GATEWAY_ACL_FILE=${JSON.stringify(file)}: ACL file line 2: action must be publish, subscribe or all`,
      );
      const missing = startServiceProcess('gateway', {
        env: { GATEWAY_ACL_FILE: join(dir.path, 'nope'), GATEWAY_OPS_PORT: '0' },
      });
      await expect(missing).rejects.toThrow('cannot read the file (ENOENT)');
    } finally {
      dir.remove();
    }
  });
});

describe('a changed ACL file (GATEWAY_RELOAD_INTERVAL)', () => {
  let stack: Stack;
  let dir: TempDir;
  let file: string;
  const RULES = [
    'user:alice  all        devices/alice/#',
    'user:alice  subscribe  shared/#',
    'user:admin  all        #',
  ];
  beforeAll(async () => {
    dir = makeTempDir();
    const env = await usersAndAcl(dir, `${RULES.join('\n')}\n`);
    file = env['GATEWAY_ACL_FILE']!;
    stack = await startStack({ ...env, GATEWAY_RELOAD_INTERVAL: '100ms' });
  });
  afterAll(async () => {
    await stack.close();
    dir.remove();
  });

  const reloads = (outcome: string): Promise<number> =>
    counterValue(stack.metrics.fileReloads, { file: 'acl', outcome });

  test('applies to connected clients: revoked subscriptions and wills stop, a bad file changes nothing', async () => {
    const session = { ...alice(), clean: false };
    const will = {
      topic: 'devices/alice/status',
      payload: Buffer.from('gone'),
      qos: 1 as const,
      retain: false,
    };
    const client = await connectTcp(stack, { ...session, will });
    const seen = collect(client);
    await client.subscribeAsync({ 'shared/news': { qos: 1 }, 'devices/alice/cmd': { qos: 1 } });
    const watcher = await connectTcp(stack, admin());
    const watched = collect(watcher);
    await watcher.subscribeAsync('devices/alice/status', { qos: 1 });
    await watcher.publishAsync('shared/news', 'before', { qos: 1 });
    await eventually(() => expect(seen).toContain('shared/news before'));

    // alice may now only read her device topics: shared/# is gone, and so is publishing (her will).
    writeFileSync(file, 'user:alice subscribe devices/alice/#\nuser:admin all #\n');
    await eventually(async () => expect(await reloads('applied')).toBe(1));
    expect(await counterValue(stack.metrics.authorizationDenials, { action: 'revoked-subscription' })).toBe(
      1,
    );
    expect(await counterValue(stack.metrics.authorizationDenials, { action: 'will' })).toBe(1);
    await watcher.publishAsync('shared/news', 'after', { qos: 1 });
    await watcher.publishAsync('devices/alice/cmd', 'kept', { qos: 1 });
    await eventually(() => expect(seen).toContain('devices/alice/cmd kept'));
    expect(seen).toEqual(['shared/news before', 'devices/alice/cmd kept']);

    // A file with a mistake is reported and not applied: the rules in force stay.
    writeFileSync(file, 'user:alice subscribe\n');
    await eventually(async () => expect(await reloads('invalid')).toBe(1));
    await watcher.publishAsync('devices/alice/cmd', 'still', { qos: 1 });
    await eventually(() => expect(seen).toContain('devices/alice/cmd still'));

    // The dropped will is not published when alice's connection breaks. Once the gateway has ended the
    // session, a will would have been appended before the marker: it would arrive first.
    const sessions = stack.gateway.sessionCount;
    (client.stream as unknown as { destroy(): void }).destroy();
    await eventually(() => expect(stack.gateway.sessionCount).toBe(sessions - 1));
    await watcher.publishAsync('devices/alice/status', 'marker', { qos: 1 });
    await eventually(() => expect(watched).toContain('devices/alice/status marker'));
    expect(watched).toEqual(['devices/alice/status marker']);

    // The persistent session lost the revoked subscription in the store too: resuming revokes nothing.
    const again = await connectTcp(stack, session);
    expect(again.connected).toBe(true);
    expect(await counterValue(stack.metrics.authorizationDenials, { action: 'resumed-subscription' })).toBe(
      0,
    );
    await watcher.publishAsync('shared/news', 'later', { qos: 1 });
    await watcher.publishAsync('devices/alice/cmd', 'resumed', { qos: 1 });
    const resumed = collect(again);
    await eventually(() => expect(resumed).toContain('devices/alice/cmd resumed'));
    expect(resumed).toEqual(['devices/alice/cmd resumed']);
  });
});

describe('a changed password file (GATEWAY_RELOAD_INTERVAL)', () => {
  test('new users connect at once; a removed user is disconnected; a bad file changes nothing', async () => {
    const dir = makeTempDir();
    const users = join(dir.path, 'users');
    const alicePass = await hashPasswordLine('alice', 'a-pass');
    writeFileSync(users, `${alicePass}\n`);
    const stack = await startStack({
      GATEWAY_ALLOW_ANONYMOUS: 'false',
      GATEWAY_AUTH_FILE: users,
      GATEWAY_RELOAD_INTERVAL: '100ms',
    });
    const reloads = (outcome: string): Promise<number> =>
      counterValue(stack.metrics.fileReloads, { file: 'passwords', outcome });
    try {
      const bob = { clientId: uniqueName('bob'), username: 'bob', password: 'b-pass' };
      expect(await connackCode(stack, bob)).toBe(4);
      const aliceClient = await connectTcp(stack, alice());
      const aliceClosed = new Promise<void>((resolve) => aliceClient.once('close', () => resolve()));

      // bob is added and alice removed, without a restart.
      writeFileSync(users, `${await hashPasswordLine('bob', 'b-pass')}\n`);
      await eventually(async () => expect(await reloads('applied')).toBe(1));
      await aliceClosed;
      expect(await connackCode(stack, bob)).toBe(0);
      expect(await connackCode(stack, alice())).toBe(4);

      // A file with a mistake is not applied: bob can still connect.
      writeFileSync(users, 'bob:not-a-hash\n');
      await eventually(async () => expect(await reloads('invalid')).toBe(1));
      expect(await connackCode(stack, bob)).toBe(0);
    } finally {
      await stack.close();
      dir.remove();
    }
  });
});

describe('device identity from client certificates (GATEWAY_TLS_IDENTITY=cn)', () => {
  let stack: Stack;
  let dir: TempDir;
  let pki: TestPki;
  let passwords: string;
  beforeAll(async () => {
    dir = makeTempDir();
    pki = makeTestPki(dir.path);
    const acl = join(dir.path, 'acl');
    // The test PKI's client certificate has the subject CN "client".
    writeFileSync(acl, 'user:client all devices/client/#\n');
    passwords = join(dir.path, 'users');
    writeFileSync(passwords, `${await hashPasswordLine('alice', 'a-pass')}\n`);
    stack = await startStack({
      GATEWAY_AUTH_FILE: passwords,
      GATEWAY_RELOAD_INTERVAL: '100ms',
      GATEWAY_ALLOW_ANONYMOUS: 'false',
      GATEWAY_TLS_PORT: '0',
      GATEWAY_TLS_CERT_FILE: pki.serverCert,
      GATEWAY_TLS_KEY_FILE: pki.serverKey,
      GATEWAY_TLS_CA_FILE: pki.caCert,
      GATEWAY_TLS_IDENTITY: 'cn',
      GATEWAY_ACL_FILE: acl,
    });
  });
  afterAll(async () => {
    await stack.close();
    dir.remove();
  });

  const overTls = (options: IClientOptions): IClientOptions => ({
    protocol: 'mqtts',
    host: '127.0.0.1',
    port: stack.gateway.ports.mqtts,
    ca: readFileSync(pki.caCert),
    cert: readFileSync(pki.clientCert),
    key: readFileSync(pki.clientKey),
    ...options,
  });

  test('the certificate is the credential: no user name or password, and the ACL applies to its name', async () => {
    const device = await mqtt.connectAsync(mqttOptions(overTls({ clientId: uniqueName('dev') })));
    clients.push(device);
    const seen = collect(device);
    const codes = await subackCodes(device, { 'devices/client/#': { qos: 1 }, 'devices/#': { qos: 1 } });
    expect(codes).toEqual([1, 0x80]);
    await device.publishAsync('devices/client/temp', '21.5', { qos: 1 });
    await eventually(() => expect(seen).toEqual(['devices/client/temp 21.5']));
  });

  test('a user name other than the certificate names is refused with 0x04; the same one is accepted', async () => {
    const before = await counterValue(stack.metrics.authFailures, { reason: 'certificate-user-mismatch' });
    const port = stack.gateway.ports.mqtts;
    const code = async (username: string): Promise<number> => {
      const client = mqtt.connect(mqttOptions(overTls({ clientId: uniqueName('dev'), username, port })));
      clients.push(client);
      return new Promise<number>((resolve) => {
        client.once('connect', (packet) => resolve(packet.returnCode ?? 0));
        client.once('error', (err) => resolve((err as Error & { code?: number }).code ?? -1));
      });
    };
    expect(await code('mallory')).toBe(4);
    expect(await code('client')).toBe(0);
    expect(await counterValue(stack.metrics.authFailures, { reason: 'certificate-user-mismatch' })).toBe(
      before + 1,
    );
  });

  test('a changed password file leaves the clients named by their certificate connected', async () => {
    const device = await mqtt.connectAsync(mqttOptions(overTls({ clientId: uniqueName('dev') })));
    clients.push(device);
    writeFileSync(passwords, `${await hashPasswordLine('bob', 'b-pass')}\n`);
    await eventually(async () =>
      expect(await counterValue(stack.metrics.fileReloads, { file: 'passwords', outcome: 'applied' })).toBe(
        1,
      ),
    );
    await device.publishAsync('devices/client/still', 'here', { qos: 1 });
    expect(device.connected).toBe(true);
  });

  test('over plain TCP there is no certificate: no user, and anonymous access is off (0x05)', async () => {
    expect(await connackCode(stack, { clientId: uniqueName('tcp') })).toBe(5);
  });
});

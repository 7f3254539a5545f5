import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { eventually, makeTempDir, uniqueName } from '@starling/test-harness';
import { shapeCases, summary } from '../support/e2e';
import { mosquittoPub, mosquittoSub } from '../support/mosquitto';
import { shapeSuite } from '../support/shape-suite';

// Topic authorization (GATEWAY_ACL_FILE) end to end, in both shapes, with Debian's mosquitto clients publishing
// and subscribing as anonymous devices whose rules follow their client ids. In the multi-process shape the
// publishers use the last gateway process and the subscribers the first.
const dir = makeTempDir('acl-e2e');
const aclFile = join(dir.path, 'acl');
writeFileSync(
  aclFile,
  [
    '# devices write their own telemetry; dashboards read everyone’s',
    'anonymous publish devices/%c/telemetry',
    'anonymous subscribe devices/+/telemetry',
    '',
  ].join('\n'),
);
afterAll(() => dir.remove());

describe.each(shapeCases({ gatewayEnv: { GATEWAY_ACL_FILE: aclFile } }))(
  'topic authorization end to end (%s)',
  (_shapeName, start) => {
    const suite = shapeSuite(start);

    test('mosquitto_pub may publish under its own client id only; the other publish is acknowledged and dropped', async () => {
      const run = uniqueName('acl');
      const dashboard = await suite.clients.connect(suite.firstUrl());
      await dashboard.client.subscribeAsync('devices/+/telemetry', { qos: 1 });
      const me = `${run}-s1`;
      const forged = await mosquittoPub(suite.lastUrl(), {
        topic: `devices/${run}-s2/telemetry`,
        message: 'forged',
        qos: 1,
        clientId: me,
      });
      // MQTT 3.1.1 has no negative PUBACK: the tool sees a normal acknowledgement.
      expect(forged.code).toBe(0);
      const own = await mosquittoPub(suite.lastUrl(), {
        topic: `devices/${me}/telemetry`,
        message: 'real',
        qos: 1,
        clientId: me,
      });
      expect(own.code).toBe(0);
      // Both went into the same filter queue in this order: had the forged one been stored, it would be first.
      await eventually(
        () =>
          expect(summary(dashboard.received)).toContainEqual([`devices/${me}/telemetry`, 'real', 1, false]),
        {
          timeoutMs: 10_000,
        },
      );
      expect(summary(dashboard.received)).toEqual([[`devices/${me}/telemetry`, 'real', 1, false]]);
    });

    test('mosquitto_sub on a filter no rule covers gets SUBACK 0x80 and gives up', async () => {
      const sub = mosquittoSub(suite.firstUrl(), {
        topic: '#',
        qos: 1,
        count: 1,
        timeoutSeconds: 5,
        clientId: uniqueName('wide'),
      });
      const result = await sub.done;
      expect(result.stderr.join('\n')).toMatch(/denied/i);
      expect(sub.messages()).toEqual([]);
    });
  },
);

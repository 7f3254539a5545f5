// The lifecycle every end-to-end suite over one system shape repeats.
import { clientTracker, SHAPE_START_TIMEOUT_MS } from './e2e';
import { rawTracker } from './raw-session';
import type { SystemShape } from './system-shapes';

/**
 * Starts the shape before the suite's tests, ends every client (mqtt.js and raw sockets) after each test, and
 * stops the shape after all of them. In the multi-process shape `firstUrl` and `lastUrl` are different gateway
 * processes: publish on one and subscribe on the other, and every message crosses them through the store.
 */
export function shapeSuite(start: () => Promise<SystemShape>) {
  let started: SystemShape | undefined = undefined;
  const raws = rawTracker();
  const clients = clientTracker();
  beforeAll(async () => {
    started = await start();
  }, SHAPE_START_TIMEOUT_MS);
  afterEach(async () => {
    raws.destroyAll();
    await clients.endAll();
  });
  afterAll(() => started?.stop(), 30_000);
  const shape = (): SystemShape => {
    if (started === undefined) throw new Error('the system shape is not started (beforeAll)');
    return started;
  };
  return {
    get shape(): SystemShape {
      return shape();
    },
    raws,
    clients,
    firstUrl: (): string => shape().mqttUrl(0),
    lastUrl: (): string => shape().mqttUrl(shape().gatewayCount - 1),
  };
}

import { Registry } from 'prom-client';
import { mirroredCounter } from '../../src';

test('a mirrored counter shows the count kept elsewhere at each scrape, and keeps it while unknown', async () => {
  const registry = new Registry();
  let count: number | undefined = undefined;
  mirroredCounter({ name: 'reconnects_total', help: 'h', registers: [registry], read: () => count });
  const value = async () => (await registry.getSingleMetric('reconnects_total')!.get()).values[0]?.value;
  expect(await value()).toBe(0);
  count = 3;
  expect(await value()).toBe(3);
  count = 5;
  expect(await value()).toBe(5);
  count = undefined; // the source went away (not connected yet): the last value stays
  expect(await value()).toBe(5);
  expect(await registry.metrics()).toContain('reconnects_total 5');
});

import { rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createLogger, createRegistry } from '@starling/observability';
import { makeTempDir } from '@starling/test-harness';
import type { AclRule } from '../../src/acl';
import { watchAclFile } from '../../src/acl-reload';
import { createGatewayMetrics } from '../../src/metrics';

test('a changed ACL file is applied once; a bad or missing one is reported once and leaves the rules in force', async () => {
  const dir = makeTempDir();
  const file = join(dir.path, 'acl');
  const first = 'all subscribe a/#\n';
  writeFileSync(file, first);
  const metrics = createGatewayMetrics(createRegistry({ service: 'gateway', defaultMetrics: false }));
  const applied: string[][] = [];
  const watch = watchAclFile({
    path: file,
    intervalMs: 60_000, // the test drives `check` itself
    initialText: first,
    logger: createLogger({ service: 'test', level: 'silent' }),
    metrics,
    apply: (rules: readonly AclRule[]) => applied.push(rules.map((r) => r.filter)),
  });
  /** The reload counters by outcome, and the stale gauge. */
  const outcome = async (): Promise<Record<string, number>> => {
    const counts = zero();
    for (const v of (await metrics.aclReloads.get()).values) counts[String(v.labels.outcome)] = v.value;
    return { ...counts, stale: (await metrics.aclStale.get()).values[0]!.value };
  };
  try {
    await watch.check();
    expect(applied).toEqual([]);
    expect(await outcome()).toEqual(zero());

    writeFileSync(file, 'all subscribe\n'); // a mistake
    await watch.check();
    await watch.check();
    expect(applied).toEqual([]);
    expect(await outcome()).toEqual({ ...zero(), invalid: 1, stale: 1 });

    writeFileSync(file, first); // reverted: nothing new to apply, no longer stale
    await watch.check();
    expect(applied).toEqual([]);
    expect(await outcome()).toEqual({ ...zero(), invalid: 1 });

    writeFileSync(file, 'all subscribe b/#\nall publish c\n');
    await watch.check();
    await watch.check();
    expect(applied).toEqual([['b/#', 'c']]);
    expect(await outcome()).toEqual({ ...zero(), applied: 1, invalid: 1 });

    rmSync(file);
    await watch.check();
    await watch.check();
    expect(await outcome()).toEqual({ ...zero(), applied: 1, invalid: 1, unreadable: 1, stale: 1 });

    writeFileSync(file, 'all subscribe b/#\nall publish c\n'); // back as it was in force
    await watch.check();
    expect(applied).toHaveLength(1);
    expect(await outcome()).toEqual({ ...zero(), applied: 1, invalid: 1, unreadable: 1 });
  } finally {
    watch.close();
    dir.remove();
  }
});

function zero(): Record<string, number> {
  return { applied: 0, invalid: 0, unreadable: 0, stale: 0 };
}

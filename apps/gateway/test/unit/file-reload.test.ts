import { rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createLogger, createRegistry } from '@starling/observability';
import { makeTempDir } from '@starling/test-harness';
import { parseAclFile } from '../../src/acl';
import { watchFile } from '../../src/file-reload';
import { createGatewayMetrics } from '../../src/metrics';

test('a changed file is applied once; a bad or missing one is reported once and leaves what is in force', async () => {
  const dir = makeTempDir();
  const file = join(dir.path, 'acl');
  const first = 'all subscribe a/#\n';
  writeFileSync(file, first);
  const metrics = createGatewayMetrics(createRegistry({ service: 'gateway', defaultMetrics: false }));
  const applied: string[][] = [];
  const watch = watchFile({
    file: 'acl',
    path: file,
    intervalMs: 60_000, // the test drives `check` itself
    initialText: first,
    logger: createLogger({ service: 'test', level: 'silent' }),
    metrics,
    parse: parseAclFile,
    apply: (rules) => applied.push(rules.map((r) => r.filter)),
  });
  /** The reload counters by outcome, and the stale gauge. */
  const outcome = async (): Promise<Record<string, number>> => {
    const counts = zero();
    for (const v of (await metrics.fileReloads.get()).values) {
      if (v.labels.file === 'acl') counts[String(v.labels.outcome)] = v.value;
    }
    const stale = (await metrics.fileStale.get()).values.find((v) => v.labels.file === 'acl')!.value;
    return { ...counts, stale };
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

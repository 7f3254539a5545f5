import { Writable } from 'node:stream';
import { createLogger, createRegistry } from '../../src';
import { Counter } from 'prom-client';

function capture(): { stream: Writable; lines: () => Record<string, unknown>[] } {
  const chunks: string[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _enc, cb) {
      chunks.push(chunk.toString());
      cb();
    },
  });
  return {
    stream,
    lines: () =>
      chunks
        .join('')
        .split('\n')
        .filter((l) => l !== '')
        .map((l) => JSON.parse(l) as Record<string, unknown>),
  };
}

describe('createLogger', () => {
  it('writes JSON lines with the service binding, level label and ISO time', () => {
    const out = capture();
    const logger = createLogger({ service: 'store', destination: out.stream });
    logger.child({ component: 'commitlog' }).info({ segmentBytes: 1024 }, 'segment rolled');
    const [line] = out.lines();
    expect(line).toMatchObject({
      service: 'store',
      component: 'commitlog',
      level: 'info',
      msg: 'segment rolled',
      segmentBytes: 1024,
    });
    expect(typeof line?.['time']).toBe('string');
    expect(Number.isNaN(Date.parse(line?.['time'] as string))).toBe(false);
  });

  it('honours the level', () => {
    const out = capture();
    const logger = createLogger({ service: 'gateway', level: 'warn', destination: out.stream });
    logger.info('hidden');
    logger.warn('shown');
    expect(out.lines().map((l) => l['msg'])).toEqual(['shown']);
  });
});

describe('createRegistry', () => {
  it('is private: two registries never share a metric', async () => {
    const a = createRegistry({ service: 'a', defaultMetrics: false });
    const b = createRegistry({ service: 'b', defaultMetrics: false });
    new Counter({ name: 'starling_a_things_total', help: 'things', registers: [a] }).inc(3);
    expect(await a.metrics()).toContain('starling_a_things_total 3');
    expect(await b.metrics()).not.toContain('starling_a_things_total');
  });

  it('collects default process metrics when asked', async () => {
    const r = createRegistry({ service: 'x' });
    expect(await r.metrics()).toContain('process_cpu_user_seconds_total');
  });
});

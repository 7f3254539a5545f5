// The image, checked without a Docker engine: the Dockerfile is valid and hardened as ADR 0005 says, and its
// deploy step, run for real, gives a production-only tree that runs Starling through the image's entrypoint.
import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { validate } from 'dockerfile-utils';
import {
  jemallocPath,
  loadedAllocator,
  makeTempDir,
  startProcess,
  type TempDir,
} from '@starling/test-harness';
import { root } from './support/tools';

const dockerfile = readFileSync(join(root, 'Dockerfile'), 'utf8');
/** Instructions with their arguments, continuation lines joined, comments dropped. */
const instructions = dockerfile
  .replace(/\\\n/g, ' ')
  .split('\n')
  .map((line) => line.trim())
  .filter((line) => line !== '' && !line.startsWith('#'))
  .map((line) => {
    const [keyword, ...rest] = line.split(/\s+/);
    return { keyword: keyword!.toUpperCase(), args: rest.join(' ') };
  });
const stages = instructions.filter((i) => i.keyword === 'FROM');
const runtime = instructions.slice(instructions.lastIndexOf(stages[stages.length - 1]!));

test('the Dockerfile is valid', () => {
  expect(
    validate(dockerfile).map(
      (d) => `${d.range.start.line + 1}: ${typeof d.message === 'string' ? d.message : d.message.value}`,
    ),
  ).toEqual([]);
});

test('multi-stage on Node 20 slim; the runtime runs as the non-root user 10001 with an exec-form entrypoint', () => {
  expect(stages.length).toBeGreaterThanOrEqual(2);
  for (const stage of stages) expect(stage.args).toMatch(/^node:20-bookworm-slim\b/);
  expect(runtime.filter((i) => i.keyword === 'USER').map((i) => i.args)).toEqual(['10001:10001']);
  expect(runtime.find((i) => i.keyword === 'ENTRYPOINT')?.args).toBe('["node", "/app/bin/starling.js"]');
  // No shell form anywhere the process starts (a shell as PID 1 would swallow SIGTERM).
  expect(runtime.filter((i) => i.keyword === 'CMD' && !i.args.startsWith('['))).toEqual([]);
  expect(runtime.find((i) => i.keyword === 'STOPSIGNAL')?.args).toBe('SIGTERM');
  // The runtime stage installs nothing: everything comes from the build stage's production deploy.
  expect(runtime.filter((i) => i.keyword === 'RUN' && /\b(npm|pnpm) (i|install|add)\b/.test(i.args))).toEqual(
    [],
  );
});

test('every service runs on jemalloc: the runtime installs it and preloads it from one path on every CPU', () => {
  const env = runtime.filter((i) => i.keyword === 'ENV').map((i) => i.args);
  expect(env).toContain('LD_PRELOAD=/usr/local/lib/libjemalloc.so');
  const install = runtime.find((i) => i.keyword === 'RUN' && i.args.includes('libjemalloc2'));
  expect(install?.args).toContain(
    'ln -s "/usr/lib/$(uname -m)-linux-gnu/libjemalloc.so.2" /usr/local/lib/libjemalloc.so',
  );
  // Installed and linked before the image drops root, and before the ENV that names it.
  expect(runtime.indexOf(install!)).toBeLessThan(runtime.findIndex((i) => i.keyword === 'USER'));
});

test('.dockerignore keeps local builds, dependencies, data and secrets out of the build context', () => {
  const ignored = readFileSync(join(root, '.dockerignore'), 'utf8')
    .split('\n')
    .map((l) => l.trim());
  for (const entry of ['node_modules', 'data', '.git']) {
    expect([entry, ignored.some((l) => l === entry || l === `**/${entry}` || l === `${entry}/`)]).toEqual([
      entry,
      true,
    ]);
  }
});

describe('the deployed tree (the build stage, run here)', () => {
  let dir: TempDir;
  let app: string;

  beforeAll(() => {
    dir = makeTempDir('image');
    app = join(dir.path, 'starling');
    // The Dockerfile's own deploy command, with its output directory moved here.
    const deploy = instructions.find((i) => i.keyword === 'RUN' && i.args.includes(' deploy '));
    expect(deploy).toBeDefined();
    const command = deploy!.args.replace('/out/starling', app);
    const result = spawnSync('sh', ['-c', command], { cwd: root, encoding: 'utf8', timeout: 120_000 });
    expect({ status: result.status, stderr: result.status === 0 ? '' : result.stderr }).toEqual({
      status: 0,
      stderr: '',
    });
    mkdirSync(join(app, 'bin'));
    cpSync(join(root, 'bin', 'starling.js'), join(app, 'bin', 'starling.js'));
  }, 150_000);

  afterAll(() => dir?.remove());

  test('holds production dependencies only', () => {
    const hoisted = readdirSync(join(app, 'node_modules', '.pnpm')).map((name) =>
      name.replace(/@[^@]+$/, ''),
    );
    for (const devOnly of ['jest', 'typescript', 'eslint', 'turbo', '@swc+core', 'mqtt']) {
      expect([devOnly, hoisted.includes(devOnly)]).toEqual([devOnly, false]);
    }
    // …and the ones the services need (a check that cannot pass on an empty tree).
    for (const needed of ['pino', 'lmdb', '@grpc+grpc-js', 'nats']) expect(hoisted).toContain(needed);
    expect(existsSync(join(app, 'node_modules', '@starling', 'gateway', 'dist', 'main.js'))).toBe(true);
  });

  test('runs Starling through the entrypoint on jemalloc, serves MQTT, and exits 0 on SIGTERM', async () => {
    // The image's LD_PRELOAD names its own link; here the same library is where Debian installs it.
    const jemalloc = jemallocPath();
    expect([jemalloc !== undefined, 'libjemalloc2 is installed (bash scripts/setup --test)']).toEqual([
      true,
      'libjemalloc2 is installed (bash scripts/setup --test)',
    ]);
    const data = makeTempDir('image-data');
    try {
      const proc = await startProcess<Record<string, number>>({
        name: 'image standalone',
        command: process.execPath,
        args: [join(app, 'bin', 'starling.js'), 'standalone'],
        cwd: dir.path,
        env: {
          LD_PRELOAD: jemalloc,
          LOG_LEVEL: 'info',
          STORE_DATA_DIR: data.path,
          STORE_GRPC_PORT: '0',
          STANDALONE_OPS_PORT: '0',
          GATEWAY_MQTT_PORT: '0',
          GATEWAY_WS_PORT: '0',
        },
        readyWhen: (line) => {
          if (!line.startsWith('{')) return undefined;
          const parsed = JSON.parse(line) as { msg?: string; ports?: Record<string, number> };
          return parsed.msg === 'listening' ? parsed.ports : undefined;
        },
      });
      try {
        expect(loadedAllocator(proc.pid)).toBe('jemalloc');
        const port = String(proc.ready['mqtt']);
        const topic = `image/${process.pid}`;
        const sub = spawnSync(
          'sh',
          [
            '-c',
            `mosquitto_sub -h 127.0.0.1 -p ${port} -t '${topic}' -q 1 -C 1 -W 10 & sleep 1; ` +
              `mosquitto_pub -h 127.0.0.1 -p ${port} -t '${topic}' -m from-the-image -q 1; wait`,
          ],
          { encoding: 'utf8', timeout: 20_000 },
        );
        expect({ status: sub.status, stdout: sub.stdout.trim() }).toEqual({
          status: 0,
          stdout: 'from-the-image',
        });
      } finally {
        expect(await proc.kill('SIGTERM')).toEqual({ code: 0, signal: null });
      }
    } finally {
      data.remove();
    }
  }, 60_000);
});

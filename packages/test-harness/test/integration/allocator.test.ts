import { imageAllocatorEnv, jemallocPath, loadedAllocator, startProcess } from '../../src';

/** A Node process that says it is ready, then idles until killed. */
function idleNode(env: Record<string, string>) {
  return startProcess({
    name: 'idle node',
    command: process.execPath,
    args: ['-e', "console.log('ready'); setInterval(() => {}, 1000)"],
    env,
    readyWhen: (line) => (line === 'ready' ? true : undefined),
  });
}

describe("the image's allocator (ADR 0025)", () => {
  it('is installed on this machine (bash scripts/setup --test installs libjemalloc2)', () => {
    expect(jemallocPath()).toMatch(/libjemalloc\.so/);
  });

  it('imageAllocatorEnv makes a process load jemalloc; without it the process runs on glibc', async () => {
    const preloaded = await idleNode(imageAllocatorEnv());
    const plain = await idleNode({ LD_PRELOAD: '' });
    try {
      expect(loadedAllocator(preloaded.pid)).toBe('jemalloc');
      expect(loadedAllocator(plain.pid)).toBe('glibc');
    } finally {
      await preloaded.kill('SIGTERM');
      await plain.kill('SIGTERM');
    }
  });
});

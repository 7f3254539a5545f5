import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { imageAllocatorEnv } from './allocator';
import { startProcess, type ProcessHandle } from './child-process';

/** Ports a service reports in its `listening` log line, e.g. `{ grpc: 7000, ops: 9100, mqtt: 1883 }`. */
export type ServicePorts = Record<string, number>;

export type ServiceName = 'store' | 'notifier' | 'gateway' | 'standalone';

export interface StartServiceOptions {
  /**
   * Environment for the service; ports should be 0 so the kernel chooses. Services run on the image's
   * allocator (`imageAllocatorEnv`) unless this sets `LD_PRELOAD` itself (`''` for glibc's malloc).
   */
  env?: Readonly<Record<string, string | undefined>>;
  startTimeoutMs?: number;
}

/** The workspace root: the nearest directory above this package holding pnpm-workspace.yaml. */
export function workspaceRoot(from: string = __dirname): string {
  let dir = from;
  while (!existsSync(join(dir, 'pnpm-workspace.yaml'))) {
    const parent = dirname(dir);
    if (parent === dir) throw new Error(`no pnpm-workspace.yaml above ${from}`);
    dir = parent;
  }
  return dir;
}

/**
 * Starts a built service (`apps/<name>/dist/main.js`) as a child process, the way the image would (on its
 * allocator, jemalloc, when this machine has it), and resolves once it logs `listening` with its bound ports. Services log
 * `{"msg":"listening","ports":{...}}` once every port is bound; that contract lets tests use port 0.
 * The harness depends on no app: it finds them by path, so app tests can use it without a cycle.
 */
export function startServiceProcess(
  name: ServiceName,
  options: StartServiceOptions = {},
): Promise<ProcessHandle<ServicePorts>> {
  const entry = join(workspaceRoot(), 'apps', name, 'dist', 'main.js');
  if (!existsSync(entry)) {
    return Promise.reject(new Error(`${entry} does not exist: build it first (pnpm build)`));
  }
  return startProcess<ServicePorts>({
    name,
    command: process.execPath,
    args: [entry],
    env: { LOG_LEVEL: 'info', ...imageAllocatorEnv(), ...options.env },
    startTimeoutMs: options.startTimeoutMs ?? 30_000,
    readyWhen: (line) => {
      if (!line.startsWith('{')) return undefined;
      const parsed = JSON.parse(line) as { msg?: string; ports?: ServicePorts };
      return parsed.msg === 'listening' ? parsed.ports : undefined;
    },
  });
}

/**
 * The floor under `latency-10k-per-sec` on this machine: `pnpm --filter @starling/notifier bench:floor`.
 *
 * An append's event crosses four threads in sequence: the load worker's gRPC write wakes the store, the
 * store's write wakes the notifier, the notifier's wakes nats-server, whose write wakes the subscriber. This
 * sends a timestamp every millisecond through the same shape of chain, with nothing in it but the hops:
 * a source, three relay processes over TCP on 127.0.0.1, and back to the source. Each relay can spin a set
 * CPU time per message before forwarding (`FLOOR_HOP_CPU_US`, comma-separated), to stand for what the
 * real hops spend. Prints one JSON line per configuration, then a table.
 *
 *   FLOOR_HOP_CPU_US   relays' CPU per message, µs; `;` separates configurations (default "0,0,0;300,200,200")
 *   FLOOR_MS           measured duration per configuration (default 8000)
 */
import { fork, type ChildProcess } from 'node:child_process';
import { createServer, connect, type Socket } from 'node:net';
import { performance } from 'node:perf_hooks';
import { cpuShare, readCpuTimes } from '@starling/test-harness';

const DURATION_MS = Number(process.env['FLOOR_MS'] ?? 8_000);
const CONFIGS = (process.env['FLOOR_HOP_CPU_US'] ?? '0,0,0;300,200,200')
  .split(';')
  .map((c) => c.split(',').map(Number));
const STAMP_BYTES = 8;

function spin(us: number): void {
  const until = performance.now() + us / 1000;
  while (performance.now() < until) {
    // busy: the hop's own work
  }
}

function listen(onSocket: (socket: Socket) => void): Promise<{ port: number; close: () => void }> {
  return new Promise((resolve) => {
    const server = createServer((socket) => {
      socket.setNoDelay(true);
      onSocket(socket);
    });
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      resolve({
        port: typeof address === 'object' && address ? address.port : 0,
        close: () => server.close(),
      });
    });
  });
}

function dial(port: number): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1', () => resolve(socket));
    socket.setNoDelay(true);
    socket.once('error', reject);
  });
}

/** A relay process: spins `cpuUs` per read, then forwards the bytes to `nextPort`. */
async function relay(cpuUs: number, nextPort: number): Promise<void> {
  const next = await dial(nextPort);
  const { port } = await listen((socket) =>
    socket.on('data', (bytes: Buffer) => {
      spin(cpuUs);
      next.write(bytes);
    }),
  );
  process.send?.({ port });
}

async function measure(hopCpuUs: number[]): Promise<Record<string, number | string>> {
  const latencies: number[] = [];
  const sink = await listen((socket) =>
    socket.on('data', (bytes: Buffer) => {
      const now = performance.now();
      for (let at = 0; at + STAMP_BYTES <= bytes.length; at += STAMP_BYTES)
        latencies.push(now - bytes.readDoubleLE(at));
    }),
  );
  const relays: ChildProcess[] = [];
  let port = sink.port;
  for (const cpuUs of [...hopCpuUs].reverse()) {
    const child = fork(__filename, ['relay', String(cpuUs), String(port)]);
    relays.push(child);
    port = await new Promise<number>((resolve) =>
      child.once('message', (m: { port: number }) => resolve(m.port)),
    );
  }
  const source = await dial(port);
  try {
    await new Promise((r) => setTimeout(r, 500));
    const cpuBefore = readCpuTimes();
    const started = performance.now();
    let sent = 0;
    while (performance.now() - started < DURATION_MS) {
      const stamp = Buffer.allocUnsafe(STAMP_BYTES);
      stamp.writeDoubleLE(performance.now());
      source.write(stamp);
      sent++;
      await new Promise((r) => setTimeout(r, 1));
    }
    await new Promise((r) => setTimeout(r, 500));
    const cpu = cpuShare(cpuBefore, readCpuTimes());
    latencies.sort((a, b) => a - b);
    const at = (p: number) =>
      Number((latencies[Math.min(latencies.length - 1, Math.floor(p * latencies.length))] ?? NaN).toFixed(2));
    return {
      scenario: `hops-cpu-${hopCpuUs.join('-')}us`,
      hopCpuUs: hopCpuUs.join(','),
      sent,
      received: latencies.length,
      p50Ms: at(0.5),
      p90Ms: at(0.9),
      p99Ms: at(0.99),
      p999Ms: at(0.999),
      maxMs: Number((latencies[latencies.length - 1] ?? NaN).toFixed(2)),
      // The machine over the run: busy share of all CPUs, and the share the hypervisor took (steal).
      ...(cpu !== undefined ? { machineBusyPct: cpu.busyPct, stealPct: cpu.stealPct } : {}),
    };
  } finally {
    source.destroy();
    for (const child of relays) child.kill();
    sink.close();
  }
}

async function main(): Promise<void> {
  const results: Array<Record<string, number | string>> = [];
  for (const config of CONFIGS) {
    const result = await measure(config);
    results.push(result);
    process.stdout.write(`${JSON.stringify(result)}\n`);
  }
  const columns = ['scenario', 'sent', 'received', 'p50Ms', 'p90Ms', 'p99Ms', 'p999Ms', 'maxMs', 'stealPct'];
  const rows = [columns, ...results.map((r) => columns.map((c) => String(r[c] ?? '')))];
  const widths = columns.map((_, i) => Math.max(...rows.map((row) => row[i]!.length)));
  for (const row of rows) process.stdout.write(`${row.map((v, i) => v.padEnd(widths[i]!)).join('  ')}\n`);
}

if (process.argv[2] === 'relay') {
  relay(Number(process.argv[3]), Number(process.argv[4])).catch((err: unknown) => {
    process.stderr.write(`relay failed: ${String(err)}\n`);
    process.exit(1);
  });
} else {
  main().then(
    () => process.exit(0),
    (err: unknown) => {
      process.stderr.write(
        `floor bench failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`,
      );
      process.exit(1);
    },
  );
}

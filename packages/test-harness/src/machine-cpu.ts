import { readFileSync } from 'node:fs';

/** The machine's cumulative CPU time, in clock ticks summed over every CPU (the `cpu` line of /proc/stat). */
export interface CpuTimes {
  /** Time spent running anything (user, nice, system, interrupts). */
  busy: number;
  /** Idle and waiting for I/O. */
  idle: number;
  /** Time the hypervisor ran something else while this machine's virtual CPUs had work. */
  steal: number;
}

/** What the machine's CPUs did between two readings, as percentages of their time. */
export interface CpuShare {
  busyPct: number;
  stealPct: number;
}

/** Parses the aggregate `cpu` line of a /proc/stat text; undefined when there is none. */
export function parseCpuTimes(procStat: string): CpuTimes | undefined {
  const line = /^cpu\s+([\d\s]+)$/m.exec(procStat);
  if (!line) return undefined;
  // user nice system idle iowait irq softirq steal [guest guest_nice]: guest time is already in user.
  const [user = 0, nice = 0, system = 0, idle = 0, iowait = 0, irq = 0, softirq = 0, steal = 0] = line[1]!
    .trim()
    .split(/\s+/)
    .map(Number);
  return { busy: user + nice + system + irq + softirq, idle: idle + iowait, steal };
}

/** The machine's CPU times now; undefined off Linux. */
export function readCpuTimes(): CpuTimes | undefined {
  try {
    return parseCpuTimes(readFileSync('/proc/stat', 'utf8'));
  } catch {
    return undefined;
  }
}

/**
 * Busy and stolen shares of the machine's CPU time between two readings: a benchmark reports them beside its
 * latencies, because on a virtual machine the host's other tenants take time the figures cannot show.
 */
export function cpuShare(before: CpuTimes | undefined, after: CpuTimes | undefined): CpuShare | undefined {
  if (before === undefined || after === undefined) return undefined;
  const busy = after.busy - before.busy;
  const steal = after.steal - before.steal;
  const total = busy + steal + (after.idle - before.idle);
  if (total <= 0) return undefined;
  const pct = (n: number) => Math.round((1000 * n) / total) / 10;
  return { busyPct: pct(busy), stealPct: pct(steal) };
}

/**
 * What every store bench prints: one JSON line per scenario as it finishes, then a table. A figure's
 * name carries its unit; `target` and `pass` are set only where the issue states a target.
 */
import * as os from 'node:os';

export interface Result {
  scenario: string;
  [figure: string]: string | number | boolean | undefined;
  target?: string;
  pass?: boolean;
  notes?: string;
}

const results: Result[] = [];

export function report(result: Result): void {
  results.push(result);
  process.stdout.write(`${JSON.stringify(result)}\n`);
}

export function percentile(sorted: Float64Array, p: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}

export const round = (n: number, digits = 1): number => Number(n.toFixed(digits));

/** The table after the JSON lines: misses are upper-case and listed again at the end. */
export function printTable(totalS: number, machineNote: string): void {
  const rows = results.map((r) => {
    const { scenario, target, pass, notes: _notes, ...figures } = r;
    const text = Object.entries(figures)
      .map(([k, v]) => `${k}=${String(v)}`)
      .join(' ');
    return [scenario, text, target ?? '', pass === undefined ? '' : pass ? 'pass' : 'MISS'];
  });
  const widths = [0, 1, 2, 3].map((i) => Math.max(...rows.map((row) => row[i]!.length), 8));
  const line = (cells: string[]): string =>
    cells
      .map((c, i) => c.padEnd(widths[i]!))
      .join('  ')
      .trimEnd();
  process.stdout.write(`\n${line(['scenario', 'figures', 'target', 'result'])}\n`);
  for (const row of rows) process.stdout.write(`${line(row)}\n`);
  const misses = results.filter((r) => r.pass === false);
  for (const m of misses) {
    process.stdout.write(`MISS ${m.scenario}: ${m.target ?? ''}${m.notes ? ` (${m.notes})` : ''}\n`);
  }
  const load = os.loadavg().map((l) => l.toFixed(1));
  process.stdout.write(
    `(${os.cpus().length} cores, load average ${load.join(' ')} at the end, ${totalS.toFixed(1)} s; ${machineNote})\n`,
  );
}

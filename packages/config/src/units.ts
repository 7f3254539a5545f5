// Parsers for sizes and durations written the way operators write them: `64MiB`, `1GB`, `250ms`, `30s`.
// Results are always in base units (bytes, milliseconds) and the variable names say so.

const BYTE_UNITS: Record<string, number> = {
  b: 1,
  kb: 1_000,
  mb: 1_000_000,
  gb: 1_000_000_000,
  tb: 1_000_000_000_000,
  kib: 1024,
  mib: 1024 ** 2,
  gib: 1024 ** 3,
  tib: 1024 ** 4,
};

const DURATION_UNITS: Record<string, number> = {
  ms: 1,
  s: 1_000,
  m: 60_000,
  h: 3_600_000,
  d: 86_400_000,
};

const QUANTITY = /^\s*(\d+(?:\.\d+)?)\s*([a-zA-Z]*)\s*$/;

export type Parsed<T> = { ok: true; value: T } | { ok: false; problem: string };

function parseQuantity(
  raw: string,
  units: Record<string, number>,
  bareUnit: string,
  what: string,
): Parsed<number> {
  const m = QUANTITY.exec(raw);
  if (!m) return { ok: false, problem: `not a ${what} (examples: ${examples(units)})` };
  const unit = (m[2] ?? '').toLowerCase() || bareUnit;
  const factor = units[unit];
  if (factor === undefined)
    return { ok: false, problem: `unknown unit "${m[2]}" (use one of ${Object.keys(units).join(', ')})` };
  const value = Number(m[1]) * factor;
  if (!Number.isSafeInteger(Math.round(value))) return { ok: false, problem: `${what} is too large` };
  return { ok: true, value: Math.round(value) };
}

function examples(units: Record<string, number>): string {
  return 'ms' in units ? '250ms, 30s, 5m, 1h' : '512KiB, 64MiB, 1GiB';
}

/** `64MiB` → 67108864. A bare number is bytes. */
export function parseBytes(raw: string): Parsed<number> {
  return parseQuantity(raw, BYTE_UNITS, 'b', 'size');
}

/** `30s` → 30000. A bare number is milliseconds. */
export function parseDurationMs(raw: string): Parsed<number> {
  return parseQuantity(raw, DURATION_UNITS, 'ms', 'duration');
}

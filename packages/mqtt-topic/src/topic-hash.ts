// Per-process seed, as V8 seeds its own string hashes: filters and topics come from clients, and
// an unseeded hash would let one client choose filters that all land in one probe sequence.
const SEED = (Math.random() * 0x1_0000_0000) | 0;

/** Mixes one UTF-16 code unit into a running hash (the per-character step of `hashRange`). */
export function mixHash(hash: number, codeUnit: number): number {
  const h = Math.imul(hash ^ codeUnit, 0x5bd1e995);
  return h ^ (h >>> 15);
}

/** The starting state of a hash; see `mixHash` and `finishHash`. */
export const HASH_START = SEED;

/** Final avalanche; never 0, which marks an empty slot. */
export function finishHash(hash: number): number {
  let h = Math.imul(hash ^ (hash >>> 13), 0xc2b2ae35);
  h ^= h >>> 16;
  return h === 0 ? 1 : h;
}

/** Hash of `text.slice(from, end)`, computed in place. */
export function hashRange(text: string, from: number, end: number): number {
  let h = HASH_START;
  for (let i = from; i < end; i++) h = mixHash(h, text.charCodeAt(i));
  return finishHash(h);
}

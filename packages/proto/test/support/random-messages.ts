import type { Message, MessageProperties } from '../../src/types';

/**
 * Seeded random inputs for the append codecs' property tests: every field of a Message sometimes absent, text
 * from ASCII to astral and control characters, integers at their edges. `random` is a seeded prng.
 */
export function randomMessages(random: () => number) {
  const int = (n: number): number => Math.floor(random() * n);
  const chance = (p: number): boolean => random() < p;
  const alphabet = [
    'a',
    'Z',
    '/',
    '+',
    '#',
    '0',
    ' ',
    'é',
    'ß',
    '€',
    '中',
    '😀',
    '\u0000',
    '\u07ff',
    '\uffff',
  ];
  const text = (max: number): string => {
    const ascii = chance(0.6);
    let s = '';
    for (let n = int(max + 1); n > 0; n--)
      s += ascii ? String.fromCharCode(32 + int(95)) : alphabet[int(alphabet.length)]!;
    return s;
  };
  const bytes = (max: number): Buffer => {
    const b = Buffer.alloc(int(max + 1));
    for (let i = 0; i < b.length; i++) b[i] = int(256);
    return b;
  };
  /** A uint64 as the store uses them: 0, small, around the 32-bit boundary, up to 2^53 - 1. */
  const uint64 = (): number => {
    switch (int(5)) {
      case 0:
        return 0;
      case 1:
        return int(128);
      case 2:
        return 2 ** 32 - 2 + int(4);
      case 3:
        return Number.MAX_SAFE_INTEGER - int(3);
      default:
        return Math.floor(random() * Number.MAX_SAFE_INTEGER);
    }
  };
  const int64 = (): number => {
    switch (int(4)) {
      case 0:
        return 0;
      case 1:
        return int(2 ** 31);
      case 2:
        return Date.now() + int(1e9);
      default:
        return (chance(0.5) ? -1 : 1) * Math.floor(random() * Number.MAX_SAFE_INTEGER);
    }
  };
  const properties = (): MessageProperties => {
    const p: MessageProperties = {};
    if (chance(0.5)) p.payloadFormatIndicator = chance(0.5);
    if (chance(0.5)) p.messageExpiryIntervalSeconds = chance(0.2) ? 0 : int(2 ** 32);
    if (chance(0.5)) p.contentType = text(20);
    if (chance(0.5)) p.responseTopic = text(60);
    if (chance(0.5)) p.correlationData = bytes(40);
    if (chance(0.7)) {
      p.userProperties = Array.from({ length: int(4) }, () => {
        const u: { key?: string; value?: string } = {};
        if (chance(0.9)) u.key = text(10);
        if (chance(0.9)) u.value = text(50);
        return u;
      });
    }
    return p;
  };
  const message = (): Message => {
    const m: Message = {};
    if (chance(0.95)) m.topic = text(chance(0.1) ? 200 : 30);
    if (chance(0.95)) m.payload = bytes(chance(0.1) ? 3000 : 300);
    if (chance(0.9)) m.qos = chance(0.9) ? int(3) : int(2 ** 32);
    if (chance(0.9)) m.retain = chance(0.2);
    if (chance(0.9)) m.timestampMs = int64();
    if (chance(0.9)) m.publisherClientId = text(23);
    if (chance(0.3)) m.properties = chance(0.1) ? null : properties();
    return m;
  };
  return { int, chance, text, bytes, uint64, message };
}

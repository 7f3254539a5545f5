import { createHash } from 'node:crypto';
import type { BusQueueRef } from './event-bus';

/**
 * NATS subjects for Starling's bus traffic.
 *
 * MQTT names and filters may contain anything NATS gives meaning to (`.` separates tokens, `*` and `>` are
 * wildcards, whitespace ends a subject) and may be up to 65,535 bytes long, while a NATS subject should stay
 * short. So a queue name never goes into a subject verbatim; it becomes ONE subject token:
 *
 *   arrivals of a topic queue   starling.arrivals.t.<token>
 *   arrivals of a filter queue  starling.arrivals.f.<token>
 *   takeover requests           starling.takeover.<token>          (token of the gateway id)
 *
 * The token is a reversible escape of the name's UTF-8 bytes:
 *   - `A`–`Z`, `a`–`z`, `0`–`9`, `_` and `-` stand for themselves;
 *   - `/` (the MQTT level separator) becomes `~`, so `devices/42/cmd` reads `devices~42~cmd`;
 *   - every other byte becomes `%HH` (two upper-case hex digits): `.` → `%2E`, `+` → `%2B`, `#` → `%23`,
 *     space → `%20`, `é` → `%C3%A9`;
 *   - the empty name (the first level of `/a`) is the token `%`, which no other name can produce because an
 *     encoded `%` is always followed by two hex digits.
 * The result is never empty and holds no `.`, `*`, `>` or whitespace, so it is exactly one literal token.
 *
 * A name whose token would be longer than {@link MAX_ENCODED_TOKEN_CHARS} characters is HASHED instead:
 * `starling.arrivals.<t|f>.h.<sha-256 of the UTF-8 name, base32, 52 chars>`. The extra `h` token keeps
 * hashed subjects apart from encoded ones (five tokens instead of four). A hashed subject cannot be
 * reversed, and two names could in theory share it, so the arrival payload always carries the real name
 * and subscribers drop events whose name is not the one they subscribed to. Every subject therefore stays
 * under 256 bytes, whatever MQTT allows.
 *
 * Names are JavaScript strings; MQTT requires well-formed UTF-8 [MQTT-1.5.4-1], so a string holding a lone
 * surrogate cannot come from the wire. Such a string is mapped as if the surrogate were U+FFFD.
 */

export const ARRIVALS_SUBJECT_PREFIX = 'starling.arrivals';
export const TAKEOVER_SUBJECT_PREFIX = 'starling.takeover';
/** Encoded tokens up to this length are used as they are; longer names are hashed. */
export const MAX_ENCODED_TOKEN_CHARS = 200;

const HASHED_MARKER = 'h';
const EMPTY_TOKEN = '%';
const SLASH = 0x2f;
const HEX = '0123456789ABCDEF';
const BASE32 = 'abcdefghijklmnopqrstuvwxyz234567';

function isLiteralByte(b: number): boolean {
  return (
    (b >= 0x30 && b <= 0x39) || // 0-9
    (b >= 0x41 && b <= 0x5a) || // A-Z
    (b >= 0x61 && b <= 0x7a) || // a-z
    b === 0x5f || // _
    b === 0x2d // -
  );
}

/** The escaped token of `name`, or undefined when it would be longer than the limit. */
function encodeToken(name: string): string | undefined {
  if (name.length === 0) return EMPTY_TOKEN;
  // Every UTF-16 code unit is at least one UTF-8 byte, i.e. at least one token character.
  if (name.length > MAX_ENCODED_TOKEN_CHARS) return undefined;
  const bytes = Buffer.from(name, 'utf8');
  let out = '';
  for (const b of bytes) {
    if (isLiteralByte(b)) out += String.fromCharCode(b);
    else if (b === SLASH) out += '~';
    else out += '%' + HEX[b >> 4]! + HEX[b & 0x0f]!;
    if (out.length > MAX_ENCODED_TOKEN_CHARS) return undefined;
  }
  return out;
}

function hexValue(code: number): number {
  if (code >= 0x30 && code <= 0x39) return code - 0x30;
  if (code >= 0x41 && code <= 0x46) return code - 0x41 + 10;
  return -1; // lower-case hex is not canonical
}

const strictUtf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

/**
 * The name a token stands for, or undefined when the token is not exactly what {@link encodeToken} would
 * produce (so decoding is the inverse of encoding, and each name has one token).
 */
function decodeToken(token: string): string | undefined {
  if (token === EMPTY_TOKEN) return '';
  if (token.length === 0 || token.length > MAX_ENCODED_TOKEN_CHARS) return undefined;
  const bytes: number[] = [];
  for (let i = 0; i < token.length; i++) {
    const c = token.charCodeAt(i);
    if (c === 0x7e) {
      bytes.push(SLASH);
    } else if (c === 0x25) {
      const hi = hexValue(token.charCodeAt(i + 1));
      const lo = hexValue(token.charCodeAt(i + 2));
      if (hi < 0 || lo < 0) return undefined;
      const b = (hi << 4) | lo;
      if (isLiteralByte(b) || b === SLASH) return undefined; // would have been written literally
      bytes.push(b);
      i += 2;
    } else if (isLiteralByte(c)) {
      bytes.push(c);
    } else {
      return undefined;
    }
  }
  try {
    return strictUtf8.decode(Uint8Array.from(bytes));
  } catch {
    return undefined;
  }
}

function base32(bytes: Uint8Array): string {
  let out = '';
  let buffer = 0;
  let bits = 0;
  for (const b of bytes) {
    buffer = ((buffer << 8) | b) & 0xffff;
    bits += 8;
    while (bits >= 5) {
      out += BASE32[(buffer >> (bits - 5)) & 0x1f]!;
      bits -= 5;
    }
  }
  if (bits > 0) out += BASE32[(buffer << (5 - bits)) & 0x1f]!;
  return out;
}

function hashedToken(name: string): string {
  return `${HASHED_MARKER}.${base32(createHash('sha256').update(name, 'utf8').digest())}`;
}

function nameToken(name: string): string {
  return encodeToken(name) ?? hashedToken(name);
}

function kindToken(kind: BusQueueRef['kind']): string {
  switch (kind) {
    case 'topic':
      return 't';
    case 'filter':
      return 'f';
  }
}

/** The subject arrival events of `queue` are published on. Total: defined for every name. */
export function arrivalSubject(queue: BusQueueRef): string {
  return `${ARRIVALS_SUBJECT_PREFIX}.${kindToken(queue.kind)}.${nameToken(queue.name)}`;
}

const HASHED_ARRIVAL_SUBJECT = /^starling\.arrivals\.[tf]\.h\.[a-z2-7]{52}$/;

/** True for the subject of a queue whose name is too long to encode (hashed, so not reversible). */
export function isHashedArrivalSubject(subject: string): boolean {
  return HASHED_ARRIVAL_SUBJECT.test(subject);
}

/**
 * The queue an arrival subject stands for; undefined for hashed subjects (the event payload carries the
 * name) and for anything that {@link arrivalSubject} does not produce.
 */
export function queueFromArrivalSubject(subject: string): BusQueueRef | undefined {
  const prefix = `${ARRIVALS_SUBJECT_PREFIX}.`;
  if (!subject.startsWith(prefix)) return undefined;
  const rest = subject.slice(prefix.length);
  const dot = rest.indexOf('.');
  if (dot !== 1) return undefined;
  const kindChar = rest[0];
  const kind = kindChar === 't' ? 'topic' : kindChar === 'f' ? 'filter' : undefined;
  if (kind === undefined) return undefined;
  const name = decodeToken(rest.slice(2));
  return name === undefined ? undefined : { kind, name };
}

/** The subject a gateway serves session-takeover requests on (NATS request/reply). */
export function takeoverSubject(gatewayId: string): string {
  return `${TAKEOVER_SUBJECT_PREFIX}.${nameToken(gatewayId)}`;
}

import { prng } from '@starling/test-harness';
import { createHash } from 'node:crypto';
import type { BusQueueRef } from '../../src/event-bus';
import {
  arrivalSubject,
  isHashedArrivalSubject,
  MAX_ENCODED_TOKEN_CHARS,
  queueFromArrivalSubject,
  takeoverSubject,
} from '../../src/subjects';
import { awkwardNames } from '../fixtures/awkward-names';

/** A subject NATS treats as literal: printable ASCII, no whitespace or wildcards, no empty token. */
function expectLiteralSubject(subject: string): void {
  expect(subject).toMatch(/^[\x21-\x7e]+$/);
  expect(subject).not.toMatch(/[*>]/);
  for (const token of subject.split('.')) expect(token.length).toBeGreaterThan(0);
  expect(Buffer.byteLength(subject)).toBeLessThan(256);
}

/** A random well-formed string: mostly characters NATS or MQTT treat specially, some any code point. */
function randomName(next: () => number): string {
  const special = ['/', '.', '*', '>', '+', '#', '$', ' ', '\t', '~', '%', '_', '-', 'h', 'A', '0'];
  const length = Math.floor(next() * 40);
  let s = '';
  for (let i = 0; i < length; i++) {
    const r = next();
    if (r < 0.5) s += special[Math.floor(next() * special.length)]!;
    else if (r < 0.7) s += String.fromCodePoint(0x20 + Math.floor(next() * 0x5f));
    else if (r < 0.85) s += String.fromCodePoint(0x80 + Math.floor(next() * (0xd800 - 0x80)));
    else s += String.fromCodePoint(0x10000 + Math.floor(next() * (0x10ffff - 0x10000)));
  }
  return s;
}

/** RFC 4648 base32, lower case, no padding: spelled out bit by bit, independently of the implementation. */
function base32Reference(bytes: Buffer): string {
  const alphabet = 'abcdefghijklmnopqrstuvwxyz234567';
  const bits = [...bytes].map((b) => b.toString(2).padStart(8, '0')).join('');
  let out = '';
  for (let i = 0; i < bits.length; i += 5) out += alphabet[parseInt(bits.slice(i, i + 5).padEnd(5, '0'), 2)]!;
  return out;
}

describe('arrivalSubject', () => {
  it.each([
    [{ kind: 'topic', name: 'telemetry' }, 'starling.arrivals.t.telemetry'],
    [{ kind: 'filter', name: 'devices/42/cmd' }, 'starling.arrivals.f.devices~42~cmd'],
    [{ kind: 'filter', name: 'devices/+/cmd' }, 'starling.arrivals.f.devices~%2B~cmd'],
    [{ kind: 'filter', name: 'telemetry/#' }, 'starling.arrivals.f.telemetry~%23'],
    [{ kind: 'topic', name: 'a.b' }, 'starling.arrivals.t.a%2Eb'],
    [{ kind: 'topic', name: '' }, 'starling.arrivals.t.%'],
    [{ kind: 'topic', name: '$SYS' }, 'starling.arrivals.t.%24SYS'],
    [{ kind: 'topic', name: 'café' }, 'starling.arrivals.t.caf%C3%A9'],
    [{ kind: 'topic', name: 'my_topic-1' }, 'starling.arrivals.t.my_topic-1'],
  ] as const)('maps %j to %s', (queue, subject) => {
    expect(arrivalSubject(queue)).toBe(subject);
  });

  it.each(awkwardNames.map((name) => [JSON.stringify(name).slice(0, 60), name]))(
    'round-trips %s as a literal subject',
    (_label, name) => {
      for (const kind of ['topic', 'filter'] as const) {
        const subject = arrivalSubject({ kind, name });
        expectLiteralSubject(subject);
        if (!isHashedArrivalSubject(subject))
          expect(queueFromArrivalSubject(subject)).toEqual({ kind, name });
      }
    },
  );

  it('maps distinct queues to distinct subjects (awkward names, both kinds)', () => {
    const queues: BusQueueRef[] = awkwardNames.flatMap((name) => [
      { kind: 'topic' as const, name },
      { kind: 'filter' as const, name },
    ]);
    const subjects = new Set(queues.map(arrivalSubject));
    expect(subjects.size).toBe(queues.length);
  });

  it('round-trips random UTF-8 names and never maps two names to one subject', () => {
    const failures: unknown[] = [];
    for (const seed of [1, 2, 3, 4, 5]) {
      const next = prng(seed);
      const seen = new Map<string, string>();
      for (let i = 0; i < 2_000; i++) {
        const queue: BusQueueRef = { kind: next() < 0.5 ? 'topic' : 'filter', name: randomName(next) };
        const subject = arrivalSubject(queue);
        const key = `${queue.kind}:${queue.name}`;
        const back = queueFromArrivalSubject(subject);
        const literal = /^[\x21-\x7e]+$/.test(subject) && !/[*>]|\.\.|\.$/.test(subject);
        const roundTrips =
          isHashedArrivalSubject(subject) || (back?.kind === queue.kind && back.name === queue.name);
        const previous = seen.get(subject);
        if (!literal || !roundTrips || (previous !== undefined && previous !== key)) {
          failures.push({ seed, i, queue, subject, back, previous });
        }
        seen.set(subject, key);
      }
    }
    expect(failures).toEqual([]);
  });

  it('hashes names whose token would exceed the limit, keeping subjects short', () => {
    const atLimit = 'a'.repeat(MAX_ENCODED_TOKEN_CHARS);
    expect(arrivalSubject({ kind: 'topic', name: atLimit })).toBe(`starling.arrivals.t.${atLimit}`);

    const over = 'a'.repeat(MAX_ENCODED_TOKEN_CHARS + 1);
    const subject = arrivalSubject({ kind: 'topic', name: over });
    expect(subject).toMatch(/^starling\.arrivals\.t\.h\.[a-z2-7]{52}$/);
    expect(isHashedArrivalSubject(subject)).toBe(true);
    expect(queueFromArrivalSubject(subject)).toBeUndefined();

    // 67 dots encode to 201 characters: hashed although the name is short.
    expect(isHashedArrivalSubject(arrivalSubject({ kind: 'filter', name: '.'.repeat(67) }))).toBe(true);
    expect(isHashedArrivalSubject(arrivalSubject({ kind: 'filter', name: '.'.repeat(66) }))).toBe(false);
  });

  it('hashes the longest MQTT name (65,535 bytes) into a short subject, distinct per name', () => {
    const longest = 'x/'.repeat(32_767) + 'y';
    expect(Buffer.byteLength(longest)).toBe(65_535);
    const a = arrivalSubject({ kind: 'filter', name: longest });
    const b = arrivalSubject({ kind: 'filter', name: longest.slice(0, -1) + 'z' });
    const c = arrivalSubject({ kind: 'topic', name: longest });
    expectLiteralSubject(a);
    expect(new Set([a, b, c]).size).toBe(3);
    const digest = createHash('sha256').update(longest, 'utf8').digest();
    expect(a).toBe(`starling.arrivals.f.h.${base32Reference(digest)}`);
  });

  it.each([
    'starling.arrivals.t',
    'starling.arrivals.t.',
    'starling.arrivals.x.abc',
    'starling.arrivals.t.a.b',
    'starling.arrivals.t.a%2e', // lower-case hex
    'starling.arrivals.t.%41', // `A` is written literally
    'starling.arrivals.t.%2F', // `/` is written as `~`
    'starling.arrivals.t.abc%', // truncated escape
    'starling.arrivals.t.%C3', // truncated UTF-8
    'starling.arrivals.t.a b',
    'starling.arrivals.t.a*',
    'other.arrivals.t.abc',
    `starling.arrivals.t.${'a'.repeat(MAX_ENCODED_TOKEN_CHARS + 1)}`, // would have been hashed
  ])('rejects %s, which arrivalSubject never produces', (subject) => {
    expect(queueFromArrivalSubject(subject)).toBeUndefined();
  });
});

describe('takeoverSubject', () => {
  it('keeps a pod name readable and escapes anything else', () => {
    expect(takeoverSubject('gateway-7d9f-x2')).toBe('starling.takeover.gateway-7d9f-x2');
    expect(takeoverSubject('gw.1 *')).toBe('starling.takeover.gw%2E1%20%2A');
    expectLiteralSubject(takeoverSubject('x'.repeat(10_000)));
    expect(takeoverSubject('a')).not.toBe(takeoverSubject('b'));
  });
});

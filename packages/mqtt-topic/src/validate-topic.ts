import { HASH, PLUS, SLASH } from './topic-levels';

/**
 * A UTF-8 Encoded String carries a two-byte length, so no topic can encode to more than this
 * many bytes [MQTT-4.7.3-3] (5.0: the same id). A configured limit can only lower it.
 */
export const MAX_TOPIC_BYTES = 65_535;

/** Limits a server may impose on top of the protocol's own (the gateway exposes these). */
export interface TopicLimits {
  /** Maximum UTF-8 length in bytes; capped at {@link MAX_TOPIC_BYTES}. */
  readonly maxTopicBytes?: number;
  /** Maximum number of levels (`a//b` has three). Unlimited when absent. */
  readonly maxLevels?: number;
}

/** Why a topic name or filter was refused. Stable: callers map these to reason codes. */
export type TopicProblem =
  | 'empty' // [MQTT-4.7.3-1]
  | 'malformed-utf8' // lone surrogate / ill-formed bytes [MQTT-1.5.3-1], v5 [MQTT-1.5.4-1]
  | 'null-character' // U+0000 [MQTT-4.7.3-2] [MQTT-1.5.3-2], v5 [MQTT-1.5.4-2]
  | 'too-long' // more than 65535 bytes [MQTT-4.7.3-3], or than the configured limit
  | 'too-many-levels' // more levels than the configured limit
  | 'wildcard-in-name' // [MQTT-4.7.1-1] [MQTT-3.3.2-2], v5 [MQTT-4.7.0-1]
  | 'misplaced-multi-level-wildcard' // [MQTT-4.7.1-2], v5 [MQTT-4.7.1-1]
  | 'misplaced-single-level-wildcard'; // [MQTT-4.7.1-3], v5 [MQTT-4.7.1-2]

export type TopicValidation =
  { readonly ok: true } | { readonly ok: false; readonly reason: TopicProblem; readonly message: string };

const VALID: TopicValidation = Object.freeze({ ok: true });

function refuse(reason: TopicProblem, message: string): TopicValidation {
  return { ok: false, reason, message };
}

// fatal: ill-formed input (overlong forms, encoded surrogates, truncated sequences, > U+10FFFF)
// throws instead of turning into U+FFFD, which would hide it [MQTT-1.5.3-1].
// ignoreBOM: a leading EF BB BF is U+FEFF and must not be stripped [MQTT-1.5.3-3].
const strictUtf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

/**
 * Validates a topic name (PUBLISH, will topic): every rule of §4.7 for names, MQTT 3.1.1 and 5.0.
 * Accepts the decoded string or the raw UTF-8 bytes from the packet; for bytes, the UTF-8 is
 * checked strictly before anything else. `$`-prefixed names are valid here: whether a client
 * may publish to them is the server's policy, not syntax (§4.7.2).
 */
export function validateTopicName(name: string | Uint8Array, limits?: TopicLimits): TopicValidation {
  return validate(name, false, limits);
}

/** Validates a topic filter (SUBSCRIBE, UNSUBSCRIBE): every rule of §4.7 for filters. */
export function validateTopicFilter(filter: string | Uint8Array, limits?: TopicLimits): TopicValidation {
  return validate(filter, true, limits);
}

function validate(
  input: string | Uint8Array,
  isFilter: boolean,
  limits: TopicLimits | undefined,
): TopicValidation {
  const maxBytes = Math.min(limits?.maxTopicBytes ?? MAX_TOPIC_BYTES, MAX_TOPIC_BYTES);
  const maxLevels = limits?.maxLevels ?? Number.POSITIVE_INFINITY;
  let text: string;
  if (typeof input === 'string') {
    text = input;
  } else {
    if (input.length === 0)
      return refuse('empty', 'a topic must be at least one character long [MQTT-4.7.3-1]');
    if (input.length > maxBytes) return tooLong(maxBytes);
    try {
      text = strictUtf8.decode(input);
    } catch {
      return refuse('malformed-utf8', 'the topic is not well-formed UTF-8 [MQTT-1.5.3-1]');
    }
  }
  return checkText(text, isFilter, maxBytes, maxLevels);
}

function tooLong(maxBytes: number): TopicValidation {
  return refuse(
    'too-long',
    maxBytes === MAX_TOPIC_BYTES
      ? `the topic encodes to more than ${MAX_TOPIC_BYTES} bytes [MQTT-4.7.3-3]`
      : `the topic encodes to more than the limit of ${maxBytes} bytes`,
  );
}

// One pass over the UTF-16 code units: UTF-8 length, well-formedness, U+0000, levels, wildcards.
function checkText(text: string, isFilter: boolean, maxBytes: number, maxLevels: number): TopicValidation {
  const length = text.length;
  if (length === 0) return refuse('empty', 'a topic must be at least one character long [MQTT-4.7.3-1]');
  // Every code unit encodes to at least one byte, so this bounds the work on hostile input.
  if (length > maxBytes) return tooLong(maxBytes);
  let bytes = 0;
  let levels = 1;
  for (let i = 0; i < length; i++) {
    const c = text.charCodeAt(i);
    if (c < 0x80) {
      bytes += 1;
      if (c === SLASH) {
        levels += 1;
        if (levels > maxLevels) {
          return refuse('too-many-levels', `the topic has more than the limit of ${maxLevels} levels`);
        }
      } else if (c === 0) {
        return refuse('null-character', `the topic contains U+0000 at index ${i} [MQTT-4.7.3-2]`);
      } else if (c === PLUS || c === HASH) {
        const problem = checkWildcard(text, i, c, isFilter);
        if (problem !== undefined) return problem;
      }
    } else if (c < 0x800) {
      bytes += 2;
    } else if (c >= 0xd800 && c <= 0xdfff) {
      // A JS string is UTF-16: only a high surrogate followed by a low one is a code point
      // (encoded in 4 bytes). Anything else has no UTF-8 encoding [MQTT-1.5.3-1].
      const next = i + 1 < length ? text.charCodeAt(i + 1) : 0;
      if (c > 0xdbff || next < 0xdc00 || next > 0xdfff) {
        return refuse('malformed-utf8', `the topic contains a lone surrogate at index ${i} [MQTT-1.5.3-1]`);
      }
      bytes += 4;
      i += 1;
    } else {
      bytes += 3;
    }
  }
  if (bytes > maxBytes) return tooLong(maxBytes);
  return VALID;
}

function checkWildcard(text: string, i: number, c: number, isFilter: boolean): TopicValidation | undefined {
  if (!isFilter) {
    return refuse(
      'wildcard-in-name',
      `a topic name must not contain '${String.fromCharCode(c)}' (index ${i}) [MQTT-4.7.1-1]`,
    );
  }
  const startsLevel = i === 0 || text.charCodeAt(i - 1) === SLASH;
  const isLast = i === text.length - 1;
  if (c === HASH) {
    // '#' on its own or after '/', and the last character of the filter [MQTT-4.7.1-2].
    if (!startsLevel || !isLast) {
      return refuse(
        'misplaced-multi-level-wildcard',
        `'#' must be a whole level and the last character of the filter (index ${i}) [MQTT-4.7.1-2]`,
      );
    }
  } else if (!startsLevel || !(isLast || text.charCodeAt(i + 1) === SLASH)) {
    // '+' must occupy an entire level [MQTT-4.7.1-3].
    return refuse(
      'misplaced-single-level-wildcard',
      `'+' must occupy an entire level of the filter (index ${i}) [MQTT-4.7.1-3]`,
    );
  }
  return undefined;
}

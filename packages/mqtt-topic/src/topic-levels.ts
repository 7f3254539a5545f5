// Character codes shared by the validator and the matchers. Every character that MQTT gives a
// meaning to in a topic is ASCII, so a UTF-16 code unit equal to one of these is that character
// (no other code point is encoded with these units), and the same holds for UTF-8 bytes.
export const SLASH = 0x2f; // '/' topic level separator (§4.7.1.1)
export const PLUS = 0x2b; // '+' single-level wildcard (§4.7.1.3)
export const HASH = 0x23; // '#' multi-level wildcard (§4.7.1.2)
export const DOLLAR = 0x24; // '$' topics reserved for server use (§4.7.2)

/**
 * The first level of a topic name or filter: everything before the first `/`.
 *
 * This names the first-level topic queue (`telemetry` for `telemetry/dev42/temp`).
 * A topic that starts with `/` has an empty first level — `firstLevel('/a/b') === ''` —
 * because an empty level is a real level (§4.7.3: "A leading or trailing '/' creates a
 * distinct Topic Name"). We return it as is rather than inventing a name; a caller that
 * needs a non-empty queue name must map `''` itself, and must not map it onto a name a
 * client could also publish to.
 */
export function firstLevel(topic: string): string {
  const end = topic.indexOf('/');
  return end === -1 ? topic : topic.slice(0, end);
}

/**
 * True when a (valid) topic filter contains a wildcard level, i.e. it can match a topic other
 * than itself. A filter without one matches exactly the topic name spelled the same way
 * (§4.7.3 forbids normalisation [MQTT-4.7.3-4]). The input is assumed to have passed
 * `validateTopicFilter`; for an invalid string such as `a+b` this still answers `true`.
 */
export function isWildcardFilter(filter: string): boolean {
  for (let i = 0; i < filter.length; i++) {
    const c = filter.charCodeAt(i);
    if (c === PLUS || c === HASH) return true;
  }
  return false;
}

/**
 * True when the first level of a (valid) filter is `+` or `#`. Such a filter never matches a
 * topic name that begins with `$` [MQTT-4.7.2-1], and it is the only kind of filter that can
 * match topics under more than one first-level topic queue.
 */
export function filterFirstLevelIsWildcard(filter: string): boolean {
  const c = filter.charCodeAt(0);
  return (c === PLUS || c === HASH) && (filter.length === 1 || filter.charCodeAt(1) === SLASH);
}

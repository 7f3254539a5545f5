import { DOLLAR, HASH, PLUS } from './topic-levels';

/**
 * Does `filter` match `topic`? Both are assumed valid (see `validateTopicFilter` and
 * `validateTopicName`). Compares level by level in place, without splitting or allocating.
 *
 * - `+` matches exactly one level, which may be empty (`sport/+` matches `sport/`).
 * - `#` matches its own level and everything below, including none at all, so `sport/#`
 *   also matches the parent `sport` (§4.7.1.2).
 * - A filter whose first level is a wildcard never matches a topic starting with `$`
 *   [MQTT-4.7.2-1].
 * - Levels are compared code unit by code unit: case-sensitive, no normalisation
 *   [MQTT-4.7.3-4]; empty levels are levels like any other.
 */
export function matches(filter: string, topic: string): boolean {
  const filterLength = filter.length;
  const topicLength = topic.length;
  if (topicLength === 0 || filterLength === 0) return false;
  if (topic.charCodeAt(0) === DOLLAR) {
    const c = filter.charCodeAt(0);
    if (c === PLUS || c === HASH) return false; // [MQTT-4.7.2-1]
  }
  // f and t index the start of the current level; an index past the end (length + 1) means
  // every level has been consumed. A string ending in '/' ends with an empty level, whose start
  // is exactly `length`.
  let f = 0;
  let t = 0;
  for (;;) {
    if (f > filterLength) return t > topicLength;
    let filterEnd = filter.indexOf('/', f);
    if (filterEnd === -1) filterEnd = filterLength;
    const levelLength = filterEnd - f;
    const first = levelLength === 1 ? filter.charCodeAt(f) : -1;
    // '#' takes the rest, including nothing: the parent level matches too.
    if (first === HASH) return true;
    if (t > topicLength) return false;
    let topicEnd = topic.indexOf('/', t);
    if (topicEnd === -1) topicEnd = topicLength;
    if (first !== PLUS) {
      if (topicEnd - t !== levelLength) return false;
      for (let i = 0; i < levelLength; i++) {
        if (filter.charCodeAt(f + i) !== topic.charCodeAt(t + i)) return false;
      }
    }
    f = filterEnd + 1;
    t = topicEnd + 1;
  }
}

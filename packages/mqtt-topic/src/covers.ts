/**
 * Does `outer` match every topic that `inner` matches? Both are valid topic filters (see
 * `validateTopicFilter`). An authorization rule's filter covers a subscription this way: `telemetry/#` covers
 * `telemetry/+/temp`, but `telemetry/+` does not cover `telemetry/#` (which also matches `telemetry/a/b`).
 *
 * - `#` in `outer` covers whatever `inner` has from that level on, the parent level included (`a/#` covers `a`).
 * - `+` in `outer` covers one level of `inner`: a name or `+`, not `#`.
 * - A name in `outer` covers only the same name.
 * - A filter starting with a wildcard matches no `$` topic [MQTT-4.7.2-1]: `#` covers `+/x` but not `$SYS/x`.
 */
export function covers(outer: string, inner: string): boolean {
  const o = outer.split('/');
  const i = inner.split('/');
  // Only an inner filter whose first level is a name starting with `$` can match `$` topics.
  const innerDollar = i[0]!.charCodeAt(0) === 0x24;
  for (let k = 0; ; k++) {
    if (k === o.length) return k === i.length;
    const ol = o[k]!;
    if (ol === '#') return !(k === 0 && innerDollar);
    if (k === i.length) return false;
    const il = i[k]!;
    if (il === '#') return false;
    if (ol === '+') {
      if (k === 0 && innerDollar) return false;
    } else if (il !== ol) {
      return false;
    }
  }
}

// Metric names a PromQL expression reads. Not a full parser: enough for rules and dashboards written to be
// read by people — strings, label matchers, ranges, grouping clauses, functions and keywords are stripped, and
// whatever identifier is left is a series name.
const KEYWORDS = new Set([
  'and',
  'or',
  'unless',
  'by',
  'without',
  'on',
  'ignoring',
  'group_left',
  'group_right',
  'offset',
  'bool',
  'inf',
  'nan',
  'atan2',
]);

export function metricNames(expr: string): string[] {
  const text = expr
    .replace(/"(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*'|`[^`]*`/g, '""') // strings
    .replace(/\$\{?[A-Za-z_][A-Za-z0-9_]*(?::[a-z]+)?\}?/g, ' ') // Grafana variables: $__rate_interval, ${pod}
    .replace(/\{[^}]*\}/g, ' ') // label matchers
    .replace(/\[[^\]]*\]/g, ' ') // ranges and subqueries
    .replace(/\b(?:by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)/g, ' '); // grouping labels
  const names = new Set<string>();
  const identifier = /[A-Za-z_:][A-Za-z0-9_:]*/g;
  let match: RegExpExecArray | null;
  while ((match = identifier.exec(text)) !== null) {
    const name = match[0];
    const before = text[match.index - 1];
    if (before !== undefined && /[0-9.]/.test(before)) continue; // 1e3, 0.99
    const after = text.slice(match.index + name.length).trimStart();
    if (after.startsWith('(')) continue; // a function or aggregation
    if (KEYWORDS.has(name.toLowerCase())) continue;
    names.add(name);
  }
  return [...names];
}

/** The metric a Grafana `label_values(metric, label)` or `query_result(expr)` variable reads. */
export function variableMetricNames(query: string): string[] {
  const labelValues = /label_values\(\s*([A-Za-z_:][A-Za-z0-9_:]*)/.exec(query);
  if (labelValues !== null) return [labelValues[1]!];
  const queryResult = /query_result\((.*)\)\s*$/s.exec(query);
  if (queryResult !== null) return metricNames(queryResult[1]!);
  return [];
}

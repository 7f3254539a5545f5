import { metricNames, variableMetricNames } from './support/promql';

test('finds series names and skips functions, keywords, labels, ranges and Grafana variables', () => {
  expect(
    metricNames(
      'histogram_quantile(0.99, sum by (le, pod) (rate(store_append_seconds_bucket{job="x",pod=~"$pod"}[$__rate_interval]))) > 0.05',
    ),
  ).toEqual(['store_append_seconds_bucket']);
  expect(
    metricNames('sum(rate(a_total[5m])) / on(pod) group_left(node) b unless up == 0 and c_bytes offset 1h'),
  ).toEqual(['a_total', 'b', 'up', 'c_bytes']);
  expect(metricNames('1e3 * x:y_ratio')).toEqual(['x:y_ratio']);
});

test('reads the metric of label_values and query_result variables', () => {
  expect(variableMetricNames('label_values(gateway_connections, pod)')).toEqual(['gateway_connections']);
  expect(variableMetricNames('query_result(topk(5, sum by (q) (store_queue_depth)))')).toEqual([
    'store_queue_depth',
  ]);
  expect(variableMetricNames('prometheus')).toEqual([]);
});

import { createRegistry } from '@starling/observability';
import { createGatewayMetrics } from '../../src/metrics';

describe('per-packet counters counted in cells', () => {
  it('what the cells count is on the counter whenever it is read (scrape or get), once', async () => {
    const registry = createRegistry({ service: 'gateway', defaultMetrics: false });
    const metrics = createGatewayMetrics(registry);
    const tcp = metrics.hot.bytesIn.cell('tcp');
    tcp.inc(100);
    tcp.inc(20);
    metrics.hot.packetsIn.inc('publish');
    metrics.hot.packetsIn.inc('publish');
    metrics.hot.packetsIn.inc('puback');
    // The labelled API still works beside the cells.
    metrics.packetsIn.inc({ type: 'publish' });

    const text = await registry.metrics();
    expect(text).toContain('starling_gateway_received_bytes_total{transport="tcp"} 120');
    expect(text).toContain('starling_gateway_packets_received_total{type="publish"} 3');
    expect(text).toContain('starling_gateway_packets_received_total{type="puback"} 1');

    // Read again: nothing counted twice; later counts add up.
    metrics.hot.packetsIn.inc('puback');
    const { values } = await metrics.packetsIn.get();
    expect(values.map((v) => [v.labels['type'], v.value])).toEqual([
      ['publish', 3],
      ['puback', 2],
    ]);
  });
});

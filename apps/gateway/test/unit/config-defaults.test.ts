import { loadGatewayConfig } from '../../src/config';

describe('gateway configuration defaults', () => {
  it('GATEWAY_MAX_INFLIGHT defaults to 1024: one subscriber of many publishers is not bound by its round trip (ADR 0007)', () => {
    expect(loadGatewayConfig({}).config.limits.maxInflight).toBe(1024);
    expect(loadGatewayConfig({ GATEWAY_MAX_INFLIGHT: '32' }).config.limits.maxInflight).toBe(32);
  });
});

import { ConfigError } from '@starling/config';
import { loadNotifierConfig } from '../../src/config';

describe('loadNotifierConfig', () => {
  it('has defaults for a laptop', () => {
    expect(loadNotifierConfig({}).config).toEqual({
      logLevel: 'info',
      storeAddresses: ['127.0.0.1:7400'],
      natsUrl: 'nats://127.0.0.1:4222',
      opsPort: 9402,
      coalesceWindowMs: 2,
      replayEventsPerSecond: 10_000,
      replayBurstEvents: 1_000,
      reconnectMinMs: 100,
      reconnectMaxMs: 5_000,
    });
  });

  it('reads every variable', () => {
    const { config, unknownVariables } = loadNotifierConfig({
      NOTIFIER_STORE_ADDRESSES: 'store-0.store:7400, store-1.store:7400,[::1]:7401',
      NATS_URL: 'nats://a:4222,nats://b:4222',
      NOTIFIER_OPS_PORT: '0',
      NOTIFIER_COALESCE_WINDOW: '5ms',
      NOTIFIER_REPLAY_RATE: '2500',
      NOTIFIER_REPLAY_BURST: '50',
      NOTIFIER_RECONNECT_MIN: '50ms',
      NOTIFIER_RECONNECT_MAX: '10s',
      NOTIFIER_TYPO: 'x',
      LOG_LEVEL: 'debug',
    });
    expect(config).toEqual({
      logLevel: 'debug',
      storeAddresses: ['store-0.store:7400', 'store-1.store:7400', '[::1]:7401'],
      natsUrl: 'nats://a:4222,nats://b:4222',
      opsPort: 0,
      coalesceWindowMs: 5,
      replayEventsPerSecond: 2500,
      replayBurstEvents: 50,
      reconnectMinMs: 50,
      reconnectMaxMs: 10_000,
    });
    expect(unknownVariables).toEqual(['NOTIFIER_TYPO']);
  });

  it('names every bad variable at once', () => {
    let error: unknown;
    try {
      loadNotifierConfig({
        NOTIFIER_STORE_ADDRESSES: 'store-0:7400,no-port,host:99999',
        NATS_URL: 'http://x',
        NOTIFIER_COALESCE_WINDOW: '2 seconds',
        NOTIFIER_RECONNECT_MIN: '1s',
        NOTIFIER_RECONNECT_MAX: '10ms',
      });
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(ConfigError);
    const issues = (error as ConfigError).issues.map((i) => i.variable).sort();
    expect(issues).toEqual([
      'NATS_URL',
      'NOTIFIER_COALESCE_WINDOW',
      'NOTIFIER_RECONNECT_MAX',
      'NOTIFIER_STORE_ADDRESSES',
    ]);
    expect((error as ConfigError).message).toMatch(/no-port, host:99999/);
  });

  it.each([
    ['NOTIFIER_REPLAY_RATE', '0'],
    ['NOTIFIER_REPLAY_RATE', '-5'],
    ['NOTIFIER_REPLAY_RATE', '10k'],
    ['NOTIFIER_REPLAY_RATE', '1.5'],
    ['NOTIFIER_REPLAY_RATE', '20000000'],
    ['NOTIFIER_REPLAY_BURST', '0'],
    ['NOTIFIER_REPLAY_BURST', 'lots'],
  ])('a bad replay limit is a ConfigError naming it: %s=%s', (variable, value) => {
    let error: unknown;
    try {
      loadNotifierConfig({ [variable]: value });
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).issues.map((i) => i.variable)).toEqual([variable]);
    expect((error as ConfigError).message.includes(variable)).toBe(true);
  });
});

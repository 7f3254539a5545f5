import { ConfigError, loadConfig, parseBytes, parseDurationMs } from '../../src';

describe('loadConfig', () => {
  it('returns defaults when nothing is set', () => {
    const { config } = loadConfig({}, (env) => ({
      port: env.port('GATEWAY_MQTT_PORT', { default: 1883 }),
      fsync: env.oneOf('STORE_FSYNC', ['sync', 'async'], { default: 'sync' }),
      segmentBytes: env.bytes('STORE_SEGMENT_BYTES', { default: '1GiB' }),
      flushIntervalMs: env.durationMs('STORE_FLUSH_INTERVAL', { default: '200ms' }),
      anonymous: env.boolean('GATEWAY_ALLOW_ANONYMOUS', { default: false }),
      shards: env.list('GATEWAY_STORE_ADDRESSES', { default: ['127.0.0.1:7000'] }),
    }));
    expect(config).toEqual({
      port: 1883,
      fsync: 'sync',
      segmentBytes: 1024 ** 3,
      flushIntervalMs: 200,
      anonymous: false,
      shards: ['127.0.0.1:7000'],
    });
  });

  it('parses given values with their units', () => {
    const { config } = loadConfig(
      {
        STORE_SEGMENT_BYTES: '64MiB',
        STORE_RETENTION: '7d',
        STORE_GRPC_PORT: '0',
        STORE_FSYNC: 'ASYNC',
        STORE_WORKERS: '4',
        NATS_URL: 'nats://a:4222, nats://b:4222',
      },
      (env) => ({
        segmentBytes: env.bytes('STORE_SEGMENT_BYTES', { default: '1GiB' }),
        retentionMs: env.durationMs('STORE_RETENTION', { default: '1d' }),
        port: env.port('STORE_GRPC_PORT', { default: 7000 }),
        fsync: env.oneOf('STORE_FSYNC', ['sync', 'async'], { default: 'sync' }),
        workers: env.int('STORE_WORKERS', { default: 1, min: 1, max: 64 }),
        natsUrl: env.url('NATS_URL', { default: 'nats://127.0.0.1:4222', schemes: ['nats', 'tls'] }),
      }),
    );
    expect(config).toEqual({
      segmentBytes: 64 * 1024 ** 2,
      retentionMs: 7 * 86_400_000,
      port: 0,
      fsync: 'async',
      workers: 4,
      natsUrl: 'nats://a:4222, nats://b:4222',
    });
  });

  it('names every bad variable in one error, with the reason', () => {
    let error: unknown;
    try {
      loadConfig(
        {
          GATEWAY_MQTT_PORT: '70000',
          STORE_FSYNC: 'maybe',
          STORE_SEGMENT_BYTES: '12 parsecs',
          STORE_FLUSH_INTERVAL: 'soon',
          GATEWAY_MAX_INFLIGHT: '0',
          NATS_URL: 'http://x',
        },
        (env) => ({
          port: env.port('GATEWAY_MQTT_PORT', { default: 1883 }),
          fsync: env.oneOf('STORE_FSYNC', ['sync', 'async'], { default: 'sync' }),
          segmentBytes: env.bytes('STORE_SEGMENT_BYTES', { default: '1GiB' }),
          flushIntervalMs: env.durationMs('STORE_FLUSH_INTERVAL', { default: '200ms' }),
          inflight: env.int('GATEWAY_MAX_INFLIGHT', { default: 32, min: 1, max: 65535 }),
          nats: env.url('NATS_URL', { default: 'nats://127.0.0.1:4222', schemes: ['nats'] }),
          dataDir: env.string('STORE_DATA_DIR'),
        }),
      );
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ConfigError);
    const configError = error as ConfigError;
    expect(configError.code).toBe('CONFIG_INVALID');
    expect(configError.issues.map((i) => i.variable)).toEqual([
      'GATEWAY_MQTT_PORT',
      'STORE_FSYNC',
      'STORE_SEGMENT_BYTES',
      'STORE_FLUSH_INTERVAL',
      'GATEWAY_MAX_INFLIGHT',
      'NATS_URL',
      'STORE_DATA_DIR',
    ]);
    expect(configError.message).toContain('7 problems');
    expect(configError.message).toContain('STORE_FSYNC="maybe": must be one of sync, async');
    expect(configError.message).toContain('STORE_SEGMENT_BYTES="12 parsecs": unknown unit "parsecs"');
    expect(configError.message).toContain('GATEWAY_MAX_INFLIGHT="0": must be at least 1');
    expect(configError.message).toContain('STORE_DATA_DIR: is required');
  });

  it('treats a blank value as unset', () => {
    const { config } = loadConfig({ LOG_LEVEL: '  ' }, (env) => env.string('LOG_LEVEL', { default: 'info' }));
    expect(config).toBe('info');
  });

  it('reports variables with a known prefix that nothing read (likely typos)', () => {
    const { unknownVariables } = loadConfig(
      { STORE_FSYNCC: 'async', STORE_FSYNC: 'async', HOME: '/root' },
      (env) => env.oneOf('STORE_FSYNC', ['sync', 'async'], { default: 'sync' }),
      { prefixes: ['STORE_'] },
    );
    expect(unknownVariables).toEqual(['STORE_FSYNCC']);
  });

  it('rejects booleans that are not booleans', () => {
    expect(() => loadConfig({ X_ON: 'perhaps' }, (env) => env.boolean('X_ON', { default: true }))).toThrow(
      /X_ON="perhaps": must be true or false/,
    );
    expect(loadConfig({ X_ON: 'off' }, (env) => env.boolean('X_ON', { default: true })).config).toBe(false);
  });
});

describe('units', () => {
  it.each([
    ['512', 512],
    ['1KB', 1000],
    ['1KiB', 1024],
    ['1.5MiB', 1.5 * 1024 ** 2],
    ['2 GiB', 2 * 1024 ** 3],
  ])('parseBytes(%s) = %d', (raw, bytes) => {
    expect(parseBytes(raw)).toEqual({ ok: true, value: bytes });
  });

  it.each([
    ['250', 250],
    ['250ms', 250],
    ['30s', 30_000],
    ['5m', 300_000],
    ['1.5h', 5_400_000],
  ])('parseDurationMs(%s) = %d', (raw, ms) => {
    expect(parseDurationMs(raw)).toEqual({ ok: true, value: ms });
  });

  it('rejects negative and malformed quantities', () => {
    expect(parseBytes('-1MiB').ok).toBe(false);
    expect(parseDurationMs('1 fortnight').ok).toBe(false);
    expect(parseDurationMs('').ok).toBe(false);
  });
});

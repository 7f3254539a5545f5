import { ConfigError } from '@starling/config';
import { loadStoreConfig } from '../../src/config';

function problems(env: Record<string, string>): string[] {
  try {
    loadStoreConfig(env);
  } catch (err) {
    if (err instanceof ConfigError) return err.issues.map((i) => `${i.variable}: ${i.problem}`);
    throw err;
  }
  return [];
}

describe('store config: STORE_SHARD_ADDRESSES', () => {
  it('is empty by default and takes one host:port per shard, in shard order', () => {
    expect(loadStoreConfig({}).config.shardAddresses).toEqual([]);
    const { config } = loadStoreConfig({
      STORE_SHARD_COUNT: '2',
      STORE_SHARD_ADDRESSES: 'store-0.store:7400, store-1.store:7400',
    });
    expect(config.shardAddresses).toEqual(['store-0.store:7400', 'store-1.store:7400']);
  });

  it('refuses a list that does not name every shard, or an address without a port, naming the variable', () => {
    expect(problems({ STORE_SHARD_COUNT: '3', STORE_SHARD_ADDRESSES: 'a:7400,b:7400' })).toEqual([
      'STORE_SHARD_ADDRESSES: names 2 shards, STORE_SHARD_COUNT is 3 (one address per shard, in shard order)',
    ]);
    expect(problems({ STORE_SHARD_COUNT: '2', STORE_SHARD_ADDRESSES: 'a:7400,b' })).toEqual([
      'STORE_SHARD_ADDRESSES: not host:port: b',
    ]);
    // Reported together with every other bad variable.
    expect(problems({ STORE_FSYNC: 'never', STORE_SHARD_ADDRESSES: 'a:0' })).toEqual([
      'STORE_FSYNC: must be one of sync, async',
      'STORE_SHARD_ADDRESSES: not host:port: a:0',
    ]);
  });
});

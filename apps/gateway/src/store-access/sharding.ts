import { filterFirstLevelIsWildcard, firstLevel } from '@starling/mqtt-topic';

// The routing rules of proto/starling/store/v1/store.proto. The hash is copied, not imported, from the
// store (an app never imports another app): the proto text is the contract both sides implement.

/** FNV-1a 32-bit over the UTF-8 bytes: offset basis 0x811c9dc5, prime 0x01000193 (store.proto). */
export function fnv1a32(text: string): number {
  let hash = 0x811c9dc5;
  for (const b of Buffer.from(text, 'utf8')) {
    hash ^= b;
    hash = Math.imul(hash, 0x01000193) >>> 0;
  }
  return hash >>> 0;
}

/** The shard that owns a topic name: chosen by its first level (possibly empty). */
export function shardOfTopic(topic: string, shardCount: number): number {
  return shardCount === 1 ? 0 : fnv1a32(firstLevel(topic)) % shardCount;
}

/** The home shard of a session (and of its stored state). */
export function shardOfClient(clientId: string, shardCount: number): number {
  return shardCount === 1 ? 0 : fnv1a32(clientId) % shardCount;
}

/**
 * The shards a filter is registered and read on: a literal first level can only match topics of that
 * level's shard; a wildcard first level ('+/status', '#') can match topics of every shard.
 */
export function shardsOfFilter(filter: string, shardCount: number): number[] {
  if (shardCount === 1) return [0];
  if (filterFirstLevelIsWildcard(filter)) return Array.from({ length: shardCount }, (_, i) => i);
  return [shardOfTopic(firstLevel(filter), shardCount)];
}

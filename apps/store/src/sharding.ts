import { firstLevel } from '@starling/mqtt-topic';

/**
 * FNV-1a 32-bit over UTF-8 bytes, as fixed by proto/starling/store/v1/store.proto: every gateway and every
 * store must agree on it, so it can never change within v1.
 */
export function fnv1a32(text: string): number {
  let hash = 0x811c9dc5;
  const bytes = Buffer.from(text, 'utf8');
  for (const b of bytes) {
    hash ^= b;
    hash = Math.imul(hash, 0x01000193) >>> 0;
  }
  return hash >>> 0;
}

/** The shard that owns a topic name: chosen by its first level. */
export function shardOfTopic(topic: string, shardCount: number): number {
  return shardCount === 1 ? 0 : fnv1a32(firstLevel(topic)) % shardCount;
}

/** The home shard of a session. */
export function shardOfClient(clientId: string, shardCount: number): number {
  return shardCount === 1 ? 0 : fnv1a32(clientId) % shardCount;
}

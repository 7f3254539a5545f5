import type { ParkedDelivery, ParkedQueue, SessionIds, ShardQueue, StoredSubscription } from '../types';

/** A queue's key in `ParkedDelivery.queues`. */
export function parkedKey(queue: ShardQueue): string {
  return `${queue.shard}\u0000${queue.kind}\u0000${queue.name}`;
}

/**
 * The in-flight state of a persistent session as its last commit left it in the store (ADR 0014), in the shape
 * a gateway parks it: what a connection resumes when no gateway kept the session's park (its last gateway
 * crashed or restarted, or did not answer the handover). Per queue: every message below `sentBelow` was sent,
 * those listed unacknowledged are sent again with their packet identifiers and DUP set, the others were
 * acknowledged; PUBRELs are sent again [MQTT-4.4.0-1].
 *
 * Commits to different shards are separate writes, so a packet identifier may be listed twice (one queue's
 * record is older than another's): the first one listed wins, queues' PUBRELs before the session's.
 * Undefined when the store holds nothing in flight.
 */
export function recoveredDelivery(
  subscriptions: readonly StoredSubscription[],
  sessionIds: SessionIds | undefined,
): ParkedDelivery | undefined {
  const used = new Set<number>();
  const queues = new Map<string, ParkedQueue>();
  const pubrels: number[] = [];
  const pubrelQueues = new Map<number, { queue: string; offset: number }>();
  for (const subscription of subscriptions) {
    for (const [shard, state] of subscription.inFlight ?? []) {
      const committed = subscription.committedOffsets.get(shard);
      // Written before ADR 0014 (or by a gateway that predates it): nothing known past the committed offset.
      if (committed === undefined || state.sentBelow === undefined) continue;
      const key = parkedKey({ shard, kind: 'filter', name: subscription.filter });
      const unacknowledged = new Map<number, { packetId: number; qos: 1 | 2 }>();
      for (const { offset, packetId, qos, pubrelSent } of state.messages) {
        if (used.has(packetId)) continue;
        if (pubrelSent) {
          used.add(packetId);
          pubrels.push(packetId);
          pubrelQueues.set(packetId, { queue: key, offset });
        } else if (offset >= committed && offset < state.sentBelow) {
          used.add(packetId);
          unacknowledged.set(offset, { packetId, qos });
        }
      }
      if (state.sentBelow > committed || unacknowledged.size > 0)
        queues.set(key, { sentBelow: Math.max(state.sentBelow, committed), unacknowledged });
    }
  }
  for (const packetId of sessionIds?.pendingPubrels ?? []) {
    if (used.has(packetId)) continue;
    used.add(packetId);
    pubrels.push(packetId);
  }
  if (queues.size === 0 && pubrels.length === 0) return undefined;
  return { queues, retained: [], pubrels, pubrelQueues, recovered: true };
}

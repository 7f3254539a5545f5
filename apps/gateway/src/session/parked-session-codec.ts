import type { ParkedDelivery, ParkedQueue } from '../types';
import type { ParkedSession } from './local-sessions';
import type { InboundQos2 } from './session-state';

/**
 * A parked session as JSON, for the handover between gateways (the reply to a takeover request): a client that
 * reconnects to another gateway continues its QoS flows there as it would on the same one. Payloads of retained
 * messages in flight travel base64-encoded, and are left out past `MAX_RETAINED_BYTES` (the bus carries about
 * 1 MB a message): those messages are then not sent again, as without a handover.
 */

const MAX_RETAINED_BYTES = 256 * 1024;

interface WireParked {
  e: number;
  /** Inbound QoS 2 identifiers stored and not released. */
  i: number[];
  /** Queues: [key, sentBelow, [[offset, packetId, qos], …]]. */
  q: Array<[string, number, Array<[number, number, number]>]>;
  /** Retained messages in flight: [packetId, qos, topic, payload base64]. */
  r: Array<[number, number, string, string]>;
  /** PUBRELs awaiting PUBCOMP. */
  p: number[];
  /** Of those, a queue message's: [packetId, queue key, offset] (absent from older gateways). */
  pq?: Array<[number, string, number]>;
  /** Inbound QoS 2 identifiers restored from the store, not confirmed since (absent from older gateways). */
  t?: number[];
  /** Rebuilt from the store, queues not read again yet (absent from older gateways). */
  rc?: 1;
}

export function encodeParkedSession(parked: ParkedSession): unknown {
  const delivery = parked.delivery;
  const retained: WireParked['r'] = [];
  let retainedBytes = 0;
  for (const r of delivery?.retained ?? []) {
    retainedBytes += r.payload.length;
    if (retainedBytes > MAX_RETAINED_BYTES) break;
    retained.push([r.packetId, r.qos, r.topic, r.payload.toString('base64')]);
  }
  const wire: WireParked = {
    e: parked.epoch,
    i: idsWith(parked.inboundQos2, true),
    q: [...(delivery?.queues ?? [])].map(([key, queue]) => [
      key,
      queue.sentBelow,
      [...queue.unacknowledged].map(([offset, { packetId, qos }]) => [offset, packetId, qos]),
    ]),
    r: retained,
    p: [...(delivery?.pubrels ?? [])],
  };
  const pubrelQueues = [...(delivery?.pubrelQueues ?? [])];
  if (pubrelQueues.length > 0) wire.pq = pubrelQueues.map(([id, { queue, offset }]) => [id, queue, offset]);
  const restored = idsWith(parked.inboundQos2, 'restored');
  if (restored.length > 0) wire.t = restored;
  if (delivery?.recovered === true) wire.rc = 1;
  return wire;
}

/** The parked session in a handover reply; undefined when absent or not well-formed. */
export function decodeParkedSession(value: unknown): ParkedSession | undefined {
  if (typeof value !== 'object' || value === null) return undefined;
  const wire = value as Partial<WireParked>;
  if (
    !isInt(wire.e) ||
    !isIdList(wire.i) ||
    !isIdList(wire.p) ||
    !Array.isArray(wire.q) ||
    !Array.isArray(wire.r)
  ) {
    return undefined;
  }
  const queues = new Map<string, ParkedQueue>();
  for (const entry of wire.q as unknown[]) {
    if (!Array.isArray(entry) || entry.length !== 3) return undefined;
    const [key, sentBelow, unacked] = entry as [unknown, unknown, unknown];
    if (typeof key !== 'string' || !isInt(sentBelow) || !Array.isArray(unacked)) return undefined;
    const unacknowledged = new Map<number, { packetId: number; qos: 1 | 2 }>();
    for (const m of unacked as unknown[]) {
      if (!Array.isArray(m) || m.length !== 3) return undefined;
      const [offset, packetId, qos] = m as [unknown, unknown, unknown];
      if (!isInt(offset) || !isPacketId(packetId) || (qos !== 1 && qos !== 2)) return undefined;
      unacknowledged.set(offset, { packetId, qos });
    }
    queues.set(key, { sentBelow, unacknowledged });
  }
  const retained: Array<ParkedDelivery['retained'][number]> = [];
  for (const r of wire.r as unknown[]) {
    if (!Array.isArray(r) || r.length !== 4) return undefined;
    const [packetId, qos, topic, payload] = r as [unknown, unknown, unknown, unknown];
    if (!isPacketId(packetId) || (qos !== 1 && qos !== 2) || typeof topic !== 'string') return undefined;
    if (typeof payload !== 'string') return undefined;
    retained.push({ packetId, qos, topic, payload: Buffer.from(payload, 'base64') });
  }
  let inboundQos2: InboundQos2 | undefined;
  for (const id of wire.i) (inboundQos2 ??= new Map()).set(id, true);
  if (wire.t !== undefined) {
    if (!isIdList(wire.t)) return undefined;
    for (const id of wire.t) (inboundQos2 ??= new Map()).set(id, 'restored');
  }
  const pubrelQueues = new Map<number, { queue: string; offset: number }>();
  if (wire.pq !== undefined) {
    if (!Array.isArray(wire.pq)) return undefined;
    for (const entry of wire.pq as unknown[]) {
      if (!Array.isArray(entry) || entry.length !== 3) return undefined;
      const [packetId, queue, offset] = entry as [unknown, unknown, unknown];
      if (!isPacketId(packetId) || typeof queue !== 'string' || !isInt(offset)) return undefined;
      pubrelQueues.set(packetId, { queue, offset });
    }
  }
  const delivery: ParkedDelivery = {
    queues,
    retained,
    pubrels: wire.p,
    ...(pubrelQueues.size > 0 ? { pubrelQueues } : {}),
    ...(wire.rc === 1 ? { recovered: true } : {}),
  };
  return { epoch: wire.e, inboundQos2, delivery };
}

function idsWith(inbound: InboundQos2 | undefined, value: true | 'restored'): number[] {
  const ids: number[] = [];
  for (const [id, v] of inbound ?? []) if (v === value) ids.push(id);
  return ids;
}

function isInt(value: unknown): value is number {
  return typeof value === 'number' && Number.isSafeInteger(value) && value >= 0;
}

function isPacketId(value: unknown): value is number {
  return isInt(value) && value >= 1 && value <= 0xffff;
}

function isIdList(value: unknown): value is number[] {
  return Array.isArray(value) && value.every(isPacketId);
}

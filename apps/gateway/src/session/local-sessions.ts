import type { MqttConnection } from '../connection';
import type { ParkedDelivery } from '../types';
import type { InboundQos2 } from './session-state';

/** What a persistent session left on this gateway when its connection ended, for its next connection here. */
export interface ParkedSession {
  /** The epoch of the connection that parked it. */
  readonly epoch: number;
  /** Inbound QoS 2 identifiers stored and not yet released by PUBREL [MQTT-4.3.3-2]. */
  readonly inboundQos2: InboundQos2 | undefined;
  /** Outbound messages and PUBRELs in flight [MQTT-4.4.0-1]. */
  readonly delivery: ParkedDelivery | undefined;
}

/**
 * The sessions connected to this gateway, by client identifier: the local half of takeover
 * [MQTT-3.1.4-2], the connections still tearing their session down (a reconnect waits for them), and the
 * keeper of what persistent sessions leave between their connections on this gateway: inbound QoS 2
 * identifiers and the outbound in-flight state. A parked session is used only when this gateway owned the
 * session last. It is a cache (ADR 0014): the store holds the same state as of the session's last commit, which
 * is what a connection resumes when this gateway crashed.
 */
export class LocalSessions {
  private readonly byClientId = new Map<string, MqttConnection>();
  private readonly ending = new Map<string, MqttConnection>();
  private readonly parkedSessions = new Map<string, ParkedSession>();

  constructor(private readonly maxParkedSessions: number = 100_000) {}

  get size(): number {
    return this.byClientId.size;
  }

  get(clientId: string): MqttConnection | undefined {
    return this.byClientId.get(clientId);
  }

  /** The connection of `clientId` whose session is being torn down (closed, not yet released), if any. */
  endingConnection(clientId: string): MqttConnection | undefined {
    return this.ending.get(clientId);
  }

  connections(): MqttConnection[] {
    return [...this.byClientId.values()];
  }

  /**
   * Registers `connection` for its client id. When another connection holds the id, the one with the older
   * session epoch loses; it is returned so the caller closes it ('taken-over').
   */
  register(connection: MqttConnection): MqttConnection | undefined {
    const epoch = connection.session?.epoch ?? 0;
    const existing = this.byClientId.get(connection.clientId);
    if (existing === undefined || existing === connection) {
      this.byClientId.set(connection.clientId, connection);
      return undefined;
    }
    if ((existing.session?.epoch ?? 0) > epoch) return connection;
    this.byClientId.set(connection.clientId, connection);
    return existing;
  }

  /** `connection` closed: it no longer holds its client id, and its session is being torn down. */
  remove(connection: MqttConnection): void {
    if (this.byClientId.get(connection.clientId) === connection) this.byClientId.delete(connection.clientId);
    this.ending.set(connection.clientId, connection);
  }

  /** The session of `connection` is released (after `remove`). */
  ended(connection: MqttConnection): void {
    if (this.ending.get(connection.clientId) === connection) this.ending.delete(connection.clientId);
  }

  /**
   * Keeps what a persistent session left, replacing what an earlier connection parked. Dropped when a newer
   * connection of the client id is here already: it resumed without it, and a later one must not get it.
   */
  park(clientId: string, parked: ParkedSession): void {
    const current = this.byClientId.get(clientId)?.session?.epoch;
    if (current !== undefined && current > parked.epoch) return;
    this.parkedSessions.delete(clientId);
    const inboundQos2 = storedOnly(parked.inboundQos2);
    if (inboundQos2 === undefined && isEmpty(parked.delivery)) return;
    this.parkedSessions.set(clientId, { epoch: parked.epoch, inboundQos2, delivery: parked.delivery });
    // Bounded: the oldest parked session is forgotten first.
    while (this.parkedSessions.size > this.maxParkedSessions) {
      const oldest = this.parkedSessions.keys().next().value;
      if (oldest === undefined) break;
      this.parkedSessions.delete(oldest);
    }
  }

  /** What the last connection of `clientId` on this gateway parked (removed from the park). */
  takeParked(clientId: string): ParkedSession | undefined {
    const parked = this.parkedSessions.get(clientId);
    this.parkedSessions.delete(clientId);
    return parked;
  }
}

/** The stored (not in-progress) identifiers; undefined when there are none. */
function storedOnly(inbound: InboundQos2 | undefined): InboundQos2 | undefined {
  if (inbound === undefined) return undefined;
  let stored: InboundQos2 | undefined;
  for (const [id, value] of inbound)
    if (value === true || value === 'restored') (stored ??= new Map()).set(id, value);
  return stored;
}

function isEmpty(delivery: ParkedDelivery | undefined): boolean {
  return (
    delivery === undefined ||
    (delivery.queues.size === 0 && delivery.retained.length === 0 && delivery.pubrels.length === 0)
  );
}

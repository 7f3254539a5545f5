import type { MqttConnection } from '../connection';
import type { InboundQos2 } from './session-state';

/**
 * The sessions connected to this gateway, by client identifier: the local half of takeover
 * [MQTT-3.1.4-2], and the keeper of persistent sessions' inbound QoS 2 state between their connections
 * (the store does not hold it; a crash of this gateway loses it, which costs at most a duplicate QoS 2
 * message whose PUBREC was sent but whose PUBREL had not arrived).
 */
export class LocalSessions {
  private readonly byClientId = new Map<string, MqttConnection>();
  private readonly parkedQos2 = new Map<string, InboundQos2>();

  constructor(private readonly maxParkedSessions: number = 100_000) {}

  get size(): number {
    return this.byClientId.size;
  }

  get(clientId: string): MqttConnection | undefined {
    return this.byClientId.get(clientId);
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

  /** Forgets `connection` if it still holds its client id. */
  remove(connection: MqttConnection): void {
    if (this.byClientId.get(connection.clientId) === connection) this.byClientId.delete(connection.clientId);
  }

  /** The inbound QoS 2 identifiers a persistent session left on this gateway (removed from the park). */
  takeInboundQos2(clientId: string): InboundQos2 | undefined {
    const parked = this.parkedQos2.get(clientId);
    this.parkedQos2.delete(clientId);
    return parked;
  }

  /** Keeps the stored (not in-progress) QoS 2 identifiers of a persistent session that went offline. */
  parkInboundQos2(clientId: string, inbound: InboundQos2): void {
    const stored: InboundQos2 = new Map();
    for (const [id, value] of inbound) if (value === true) stored.set(id, true);
    if (stored.size === 0) return;
    this.parkedQos2.delete(clientId);
    this.parkedQos2.set(clientId, stored);
    // Bounded: the oldest parked session loses its identifiers first.
    while (this.parkedQos2.size > this.maxParkedSessions) {
      const oldest = this.parkedQos2.keys().next().value;
      if (oldest === undefined) break;
      this.parkedQos2.delete(oldest);
    }
  }

  discardInboundQos2(clientId: string): void {
    this.parkedQos2.delete(clientId);
  }
}

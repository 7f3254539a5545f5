/** The largest packet identifier: identifiers are non-zero 16-bit integers [MQTT-2.3.1-1]. */
export const MAX_PACKET_ID = 65_535;

/**
 * Hands out packet identifiers for outbound QoS 1 and 2 PUBLISHes of one session. Identifiers cycle through
 * 1 … 65535 and never repeat one that is still in use [MQTT-2.3.1-2]: the caller says which are (its in-flight
 * map), so there is one source of truth. Cycling (rather than lowest-free) keeps a just-freed identifier out of
 * use for as long as possible, which makes a late duplicate acknowledgement from the client harmless.
 */
export class PacketIdAllocator {
  private next = 1;

  constructor(private readonly inUse: (packetId: number) => boolean) {}

  /** A free identifier, or undefined when all 65535 are in use. */
  allocate(): number | undefined {
    for (let tried = 0; tried < MAX_PACKET_ID; tried++) {
      const candidate = this.next;
      this.next = candidate === MAX_PACKET_ID ? 1 : candidate + 1;
      if (!this.inUse(candidate)) return candidate;
    }
    return undefined;
  }
}

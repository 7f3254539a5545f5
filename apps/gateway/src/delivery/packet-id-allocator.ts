/** The largest packet identifier: identifiers are non-zero 16-bit integers [MQTT-2.3.1-1]. */
export const MAX_PACKET_ID = 65_535;

/**
 * Hands out packet identifiers for outbound QoS 1 and 2 PUBLISHes of one session. Identifiers cycle through
 * 1 … 65535 and never repeat one that is still in use [MQTT-2.3.1-2]: the caller passes its in-flight map to
 * each allocation, so there is one source of truth (and no closure per session). Cycling (rather than lowest-free) keeps a just-freed identifier out of
 * use for as long as possible, which makes a late duplicate acknowledgement from the client harmless.
 */
export class PacketIdAllocator {
  private next = 1;

  /** A free identifier (one that `inUse` does not hold), or undefined when all 65535 are in use. */
  allocate(inUse: { has(packetId: number): boolean }): number | undefined {
    for (let tried = 0; tried < MAX_PACKET_ID; tried++) {
      const candidate = this.next;
      this.next = candidate === MAX_PACKET_ID ? 1 : candidate + 1;
      if (!inUse.has(candidate)) return candidate;
    }
    return undefined;
  }
}

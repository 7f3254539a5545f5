import { MAX_PACKET_ID, PacketIdAllocator } from '../../src/delivery';

const none = { has: () => false };
const all = { has: () => true };

describe('PacketIdAllocator', () => {
  it('hands out non-zero identifiers from 1 [MQTT-2.3.1-1]', () => {
    const allocator = new PacketIdAllocator();
    expect([allocator.allocate(none), allocator.allocate(none), allocator.allocate(none)]).toEqual([1, 2, 3]);
  });

  it('wraps from 65535 to 1, never 0', () => {
    const allocator = new PacketIdAllocator();
    for (let i = 1; i < MAX_PACKET_ID; i++) allocator.allocate(none);
    expect(allocator.allocate(none)).toBe(MAX_PACKET_ID);
    expect(allocator.allocate(none)).toBe(1);
  });

  it('never reuses an identifier still in flight [MQTT-2.3.1-2]', () => {
    const inUse = new Set<number>();
    const allocator = new PacketIdAllocator();
    for (let i = 0; i < MAX_PACKET_ID; i++) {
      const id = allocator.allocate(inUse)!;
      // Keep every odd identifier in flight; free the even ones at once.
      if (id % 2 === 1) inUse.add(id);
    }
    const seen = new Set<number>();
    for (let i = 0; i < 1000; i++) {
      const id = allocator.allocate(inUse)!;
      expect(inUse.has(id)).toBe(false);
      expect(id % 2).toBe(0);
      seen.add(id);
    }
    expect(seen.size).toBe(1000);
  });

  it('answers undefined when all 65535 are in flight', () => {
    const allocator = new PacketIdAllocator();
    expect(allocator.allocate(all)).toBeUndefined();
  });
});

import { PacketFramer } from '../../src/transports/packet-framer';

describe('packet framer', () => {
  test('splits a chunk holding several packets into views of it', () => {
    const framer = new PacketFramer(1024);
    const chunk = Buffer.from([0xc0, 0x00, 0x40, 0x02, 0x00, 0x07, 0xe0, 0x00]);
    const { frames, problem } = framer.push(chunk);
    expect(problem).toBeUndefined();
    expect(frames.map((f) => [...f])).toEqual([
      [0xc0, 0x00],
      [0x40, 0x02, 0x00, 0x07],
      [0xe0, 0x00],
    ]);
    expect(frames[1]!.buffer).toBe(chunk.buffer);
  });

  test('reassembles a packet split byte by byte, header included', () => {
    const framer = new PacketFramer(1024);
    const body = Buffer.alloc(200, 0x61);
    // remaining length 200 = 0xC8 0x01 (two length bytes)
    const packet = Buffer.concat([Buffer.from([0x30, 0xc8, 0x01]), body]);
    const frames: Buffer[] = [];
    for (const byte of packet) frames.push(...framer.push(Buffer.from([byte])).frames);
    expect(frames).toHaveLength(1);
    expect(frames[0]!.equals(packet)).toBe(true);
  });

  test('refuses an oversized remaining length from the fixed header alone, before the body', () => {
    const framer = new PacketFramer(1024 * 1024);
    // 0x80 0xc2 0xae 0x5f: 200,000,000 bytes announced; not one body byte sent.
    const alloc = jest.spyOn(Buffer, 'alloc');
    const allocUnsafe = jest.spyOn(Buffer, 'allocUnsafe');
    const { frames, problem } = framer.push(Buffer.from([0x30, 0x80, 0xc2, 0xae, 0x5f]));
    expect(problem).toBe('packet-too-large');
    expect(frames).toHaveLength(0);
    expect(alloc).not.toHaveBeenCalled();
    expect(allocUnsafe).not.toHaveBeenCalled();
    alloc.mockRestore();
    allocUnsafe.mockRestore();
  });

  test('counts the fixed header in the limit', () => {
    const framer = new PacketFramer(100);
    expect(framer.push(Buffer.from([0x30, 98])).problem).toBeUndefined();
    const other = new PacketFramer(100);
    expect(other.push(Buffer.from([0x30, 99])).problem).toBe('packet-too-large');
  });

  test('keeps the packets before an oversized one', () => {
    const framer = new PacketFramer(64);
    const { frames, problem } = framer.push(Buffer.from([0xc0, 0x00, 0x30, 0xff, 0x7f]));
    expect(frames).toHaveLength(1);
    expect(problem).toBe('packet-too-large');
  });

  test('refuses a fifth remaining-length byte [MQTT-2.2.3]', () => {
    const framer = new PacketFramer(268_435_460);
    expect(framer.push(Buffer.from([0x30, 0xff, 0xff, 0xff, 0xff, 0x01])).problem).toBe(
      'malformed-remaining-length',
    );
  });

  test('accepts the largest four-byte remaining length when the limit allows it', () => {
    const framer = new PacketFramer(268_435_460);
    expect(framer.push(Buffer.from([0x30, 0xff, 0xff, 0xff, 0x7f])).problem).toBeUndefined();
  });

  test('stays failed after a problem', () => {
    const framer = new PacketFramer(10);
    framer.push(Buffer.from([0x30, 0x7f]));
    expect(framer.push(Buffer.from([0xc0, 0x00])).problem).toBe('packet-too-large');
  });

  test('survives random bytes without throwing (fuzz)', () => {
    for (let round = 0; round < 200; round++) {
      const framer = new PacketFramer(4096);
      for (let c = 0; c < 20; c++) {
        const chunk = Buffer.alloc(1 + Math.floor(Math.random() * 64));
        for (let i = 0; i < chunk.length; i++) chunk[i] = Math.floor(Math.random() * 256);
        const { frames } = framer.push(chunk);
        for (const f of frames) expect(f.length).toBeLessThanOrEqual(4096);
      }
    }
  });
});

import { crc32c } from '@node-rs/crc32';
import {
  decodeRecord,
  encodeRecord,
  encodeRecordInto,
  RECORD_OVERHEAD_BYTES,
  type DecodeResult,
  type RecordInput,
} from '../../../src/commitlog';

// A known record, written out byte by byte (big-endian). The CRC is CRC32C (Castagnoli) over
// bytes 9..34; its value was checked against an independent computation of the 26 covered bytes.
const GOLDEN_INPUT: RecordInput = {
  topic: 'a/b',
  payload: Buffer.from('hi'),
  properties: Buffer.from([0x01, 0x01]), // MQTT 5: payload format indicator = 1
  timestampMs: 1_700_000_000_000, // 0x0000018BCFE56800
  qos: 1,
  retain: true,
};
const GOLDEN_HEX = [
  'a1', //               magic v1
  '00000023', //         total length 35 = 28 + 3 + 2 + 2
  '7a0e0c08', //         CRC32C of everything below
  '0000018bcfe56800', // timestamp ms
  '05', //               flags: qos 1 | retain (bit 2)
  '0003', //             topic length
  '612f62', //           "a/b"
  '00000002', //         properties length
  '0101', //             properties
  '00000002', //         payload length
  '6869', //             "hi"
].join('');

function ok(result: DecodeResult): Extract<DecodeResult, { status: 'ok' }> {
  if (result.status !== 'ok') throw new Error(`expected ok, got ${JSON.stringify(result)}`);
  return result;
}

describe('record codec', () => {
  it('uses CRC32C (Castagnoli), not CRC32: check value of "123456789" is 0xE3069283', () => {
    expect(crc32c(Buffer.from('123456789'))).toBe(0xe3069283);
  });

  it('encodes the golden record byte for byte', () => {
    expect(encodeRecord(GOLDEN_INPUT).toString('hex')).toBe(GOLDEN_HEX);
  });

  it('decodes the golden bytes back to the record', () => {
    const result = ok(decodeRecord(Buffer.from(GOLDEN_HEX, 'hex'), 0));
    expect(result.size).toBe(35);
    expect(result.record.topic).toBe('a/b');
    expect(result.record.payload.toString()).toBe('hi');
    expect([...result.record.properties]).toEqual([1, 1]);
    expect(result.record.timestampMs).toBe(1_700_000_000_000);
    expect(result.record.qos).toBe(1);
    expect(result.record.retain).toBe(true);
  });

  it('encodes the empty record as the 28-byte minimum with defaults (qos 0, no retain)', () => {
    const buf = encodeRecord({ topic: '', payload: Buffer.alloc(0), timestampMs: 0 });
    expect(buf.toString('hex')).toBe('a10000001cb5936f5d00000000000000000000000000000000000000');
    expect(buf.length).toBe(RECORD_OVERHEAD_BYTES);
    const { record } = ok(decodeRecord(buf, 0));
    expect(record).toMatchObject({ topic: '', qos: 0, retain: false, timestampMs: 0 });
  });

  it('round-trips multi-byte UTF-8 topics, large timestamps and binary payloads at an offset', () => {
    const input: RecordInput = {
      topic: 'capteurs/élévation/温度',
      payload: Buffer.from([0, 255, 1, 254]),
      timestampMs: 2 ** 52 + 12345,
      qos: 2,
    };
    const target = Buffer.alloc(200, 0xee);
    const size = encodeRecordInto(target, 17, input, Buffer.byteLength(input.topic), 0);
    const result = ok(decodeRecord(target, 17));
    expect(result.size).toBe(size);
    expect(result.record.topic).toBe(input.topic);
    expect(result.record.timestampMs).toBe(input.timestampMs);
    expect(result.record.qos).toBe(2);
    expect([...result.record.payload]).toEqual([0, 255, 1, 254]);
    expect(target[16]).toBe(0xee);
    expect(target[17 + size]).toBe(0xee);
  });

  it('reports every strict prefix of a frame as incomplete (a torn tail)', () => {
    const golden = Buffer.from(GOLDEN_HEX, 'hex');
    for (let n = 0; n < golden.length; n++) {
      expect(decodeRecord(golden.subarray(0, n), 0).status).toBe('incomplete');
    }
  });

  it('reports a flipped bit anywhere after the length as corrupt', () => {
    const golden = Buffer.from(GOLDEN_HEX, 'hex');
    for (let i = 5; i < golden.length; i++) {
      const bad = Buffer.from(golden);
      bad[i] = bad[i]! ^ 0x10;
      const result = decodeRecord(bad, 0);
      expect(result.status).toBe('corrupt');
    }
  });

  it('skips only the CRC check with verifyCrc false (bytes this process encoded); structure is still checked', () => {
    const golden = Buffer.from(GOLDEN_HEX, 'hex');
    const flipped = Buffer.from(golden);
    flipped[golden.length - 1] = flipped[golden.length - 1]! ^ 0x10; // last payload byte
    expect(decodeRecord(flipped, 0).status).toBe('corrupt');
    expect(decodeRecord(flipped, 0, { verifyCrc: false }).status).toBe('ok');
    const badMagic = Buffer.from(golden);
    badMagic[0] = 0xa2;
    expect(decodeRecord(badMagic, 0, { verifyCrc: false }).status).toBe('corrupt');
    const badLength = Buffer.from(GOLDEN_HEX + '00000000', 'hex');
    badLength.writeUInt32BE(golden.length + 4, 1);
    expect(decodeRecord(badLength, 0, { verifyCrc: false }).status).toBe('corrupt');
  });

  it('reports a bad magic byte and zero fill as corrupt', () => {
    expect(decodeRecord(Buffer.alloc(64), 0)).toEqual({ status: 'corrupt', reason: 'bad magic 0x00' });
    const golden = Buffer.from(GOLDEN_HEX, 'hex');
    golden[0] = 0xa2;
    expect(decodeRecord(golden, 0).status).toBe('corrupt');
  });

  it('reports a length field that disagrees with the frame as corrupt or incomplete, never ok', () => {
    const golden = Buffer.from(GOLDEN_HEX + '00000000', 'hex');
    golden.writeUInt32BE(36, 1);
    expect(decodeRecord(golden, 0).status).toBe('corrupt');
    golden.writeUInt32BE(27, 1);
    expect(decodeRecord(golden, 0).status).toBe('corrupt');
    golden.writeUInt32BE(0xffffffff, 1);
    expect(decodeRecord(golden, 0).status).toBe('incomplete');
    expect(decodeRecord(golden, 0, { maxRecordBytes: 1024 }).status).toBe('corrupt');
  });

  it('rejects an invalid qos and an oversized topic when encoding', () => {
    expect(() => encodeRecord({ topic: 'a', payload: Buffer.alloc(0), qos: 3 as 0 })).toThrow(RangeError);
    expect(() => encodeRecord({ topic: 'x'.repeat(70_000), payload: Buffer.alloc(0) })).toThrow(RangeError);
  });

  it('survives random and mutated bytes without throwing (fuzz)', () => {
    let seed = 42;
    const rand = (): number => {
      seed = (seed * 1103515245 + 12345) & 0x7fffffff;
      return seed;
    };
    const golden = Buffer.from(GOLDEN_HEX, 'hex');
    for (let i = 0; i < 5000; i++) {
      const buf = i % 2 === 0 ? Buffer.from(golden) : Buffer.alloc(rand() % 80);
      if (i % 2 === 1) for (let k = 0; k < buf.length; k++) buf[k] = rand() & 0xff;
      else for (let k = 0; k < 1 + (rand() % 4); k++) buf[rand() % buf.length] = rand() & 0xff;
      if (i % 3 === 0 && buf.length > 0) buf[0] = 0xa1;
      const result = decodeRecord(buf, 0);
      expect(['ok', 'incomplete', 'corrupt']).toContain(result.status);
    }
  });
});

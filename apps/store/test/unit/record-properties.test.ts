import { decodeRecordMeta, encodeRecordMeta } from '../../src/record-properties';

describe('record properties', () => {
  it('round-trips a publisher id alone, and stores nothing for no publisher and no properties', () => {
    expect(encodeRecordMeta('', undefined)).toHaveLength(0);
    const a = encodeRecordMeta('client-a', undefined);
    expect(decodeRecordMeta(a)).toEqual({ publisherClientId: 'client-a', properties: undefined });
    // Consecutive messages of one publisher share their bytes; another publisher gets its own.
    expect(encodeRecordMeta('client-a', null)).toBe(a);
    const b = encodeRecordMeta('clïent-b', {});
    expect(decodeRecordMeta(b)).toEqual({ publisherClientId: 'clïent-b', properties: undefined });
    expect(decodeRecordMeta(a)).toEqual({ publisherClientId: 'client-a', properties: undefined });
    expect(encodeRecordMeta('', null)).toHaveLength(0);
  });

  it('round-trips a publisher id with MQTT 5 properties', () => {
    const properties = {
      payloadFormatIndicator: true,
      messageExpiryIntervalSeconds: 60,
      contentType: 'text/plain',
      responseTopic: 'replies/1',
      correlationData: Buffer.from([1, 2, 3]),
      userProperties: [{ key: 'k', value: 'v' }],
    };
    const meta = decodeRecordMeta(encodeRecordMeta('client-a', properties));
    expect(meta.publisherClientId).toBe('client-a');
    expect(meta.properties).toMatchObject({ ...properties, correlationData: expect.anything() as unknown });
    expect(Buffer.from(meta.properties!.correlationData!)).toEqual(Buffer.from([1, 2, 3]));
  });
});

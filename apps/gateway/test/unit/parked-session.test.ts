import type { MqttConnection } from '../../src/connection';
import { LocalSessions, type ParkedSession } from '../../src/session/local-sessions';
import { decodeParkedSession, encodeParkedSession } from '../../src/session/parked-session-codec';

function connection(clientId: string, epoch: number): MqttConnection {
  return { clientId, session: { epoch } } as unknown as MqttConnection;
}

const parked: ParkedSession = {
  epoch: 7,
  inboundQos2: new Map([
    [5, true],
    [9, true],
  ]),
  delivery: {
    queues: new Map([
      ['0\u0000filter\u0000a/#', { sentBelow: 12, unacknowledged: new Map([[10, { packetId: 3, qos: 1 }]]) }],
      ['1\u0000filter\u0000a/#', { sentBelow: 4, unacknowledged: new Map() }],
    ]),
    retained: [{ packetId: 8, qos: 2, topic: 'a/r', payload: Buffer.from([0, 1, 255]) }],
    pubrels: [11, 12],
  },
};

describe('parked session state [MQTT-4.4.0-1] [MQTT-4.3.3-2]', () => {
  it('survives the handover encoding unchanged (JSON, as the bus carries it)', () => {
    const wire = JSON.parse(JSON.stringify(encodeParkedSession(parked))) as unknown;
    expect(decodeParkedSession(wire)).toEqual(parked);
  });

  it('carries the queues of PUBRELs, restored inbound identifiers and the recovered flag (ADR 0014)', () => {
    const recovered: ParkedSession = {
      epoch: 9,
      inboundQos2: new Map<number, true | 'restored'>([
        [5, true],
        [6, 'restored'],
      ]),
      delivery: {
        ...parked.delivery!,
        pubrelQueues: new Map([[11, { queue: '0\u0000filter\u0000a/#', offset: 9 }]]),
        recovered: true,
      },
    };
    const wire = JSON.parse(JSON.stringify(encodeParkedSession(recovered))) as unknown;
    expect(decodeParkedSession(wire)).toEqual(recovered);
    // A gateway that predates them sends none of the three: read as before.
    const { pq: _pq, t: _t, rc: _rc, ...older } = wire as Record<string, unknown>;
    expect(decodeParkedSession(older)?.delivery?.pubrelQueues).toBeUndefined();
  });

  it.each([
    ['nothing', undefined],
    ['a packet identifier 0', { e: 1, i: [0], q: [], r: [], p: [] }],
    ['a QoS 3 message', { e: 1, i: [], q: [['k', 1, [[0, 1, 3]]]], r: [], p: [] }],
    ['a missing field', { e: 1, i: [], q: [], r: [] }],
  ])('refuses %s', (_title, wire) => {
    expect(decodeParkedSession(wire)).toBeUndefined();
  });

  it('a park that comes after a newer connection of the client id registered is refused', () => {
    const sessions = new LocalSessions();
    sessions.register(connection('c', 8));
    sessions.park('c', parked);
    expect(sessions.takeParked('c')).toBeUndefined();
  });

  it('keeps the latest park, stored QoS 2 identifiers only, and hands it out once', () => {
    const sessions = new LocalSessions();
    sessions.park('c', { ...parked, epoch: 3 });
    const inbound = new Map<number, Promise<never> | true>([
      [1, true],
      [2, new Promise<never>(() => undefined)], // in progress: not stored yet
    ]);
    sessions.park('c', { epoch: 7, inboundQos2: inbound, delivery: undefined });
    expect(sessions.takeParked('c')).toEqual({
      epoch: 7,
      inboundQos2: new Map([[1, true]]),
      delivery: undefined,
    });
    expect(sessions.takeParked('c')).toBeUndefined();
  });

  it('an empty park replaces an older one with nothing', () => {
    const sessions = new LocalSessions();
    sessions.park('c', { ...parked, epoch: 3 });
    sessions.park('c', { epoch: 7, inboundQos2: undefined, delivery: undefined });
    expect(sessions.takeParked('c')).toBeUndefined();
  });
});

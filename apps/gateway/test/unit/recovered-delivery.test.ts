import { parkedKey, recoveredDelivery } from '../../src/delivery';
import type { StoredSubscription } from '../../src/types';

const keyA = parkedKey({ shard: 0, kind: 'filter', name: 'a/#' });
const keyB = parkedKey({ shard: 1, kind: 'filter', name: 'a/#' });

function subscription(
  inFlight: StoredSubscription['inFlight'],
  committed: [number, number][],
): StoredSubscription {
  return { filter: 'a/#', qos: 2, committedOffsets: new Map(committed), inFlight };
}

describe('in-flight state rebuilt from the store after a gateway is lost (ADR 0014) [MQTT-4.4.0-1]', () => {
  it('unacknowledged messages per queue with their identifiers; PUBRELs of queues, then of the session', () => {
    const parked = recoveredDelivery(
      [
        subscription(
          new Map([
            [
              0,
              {
                sentBelow: 9,
                messages: [
                  { offset: 3, packetId: 4, qos: 2, pubrelSent: true }, // below the committed offset: PUBREL
                  { offset: 5, packetId: 6, qos: 1, pubrelSent: false },
                  { offset: 8, packetId: 7, qos: 2, pubrelSent: false },
                ],
              },
            ],
          ]),
          [[0, 5]],
        ),
      ],
      { pendingPubrels: [20], inboundQos2Ids: [] },
    );
    expect(parked).toEqual({
      queues: new Map([
        [
          keyA,
          {
            sentBelow: 9,
            unacknowledged: new Map([
              [5, { packetId: 6, qos: 1 }],
              [8, { packetId: 7, qos: 2 }],
            ]),
          },
        ],
      ]),
      retained: [],
      pubrels: [4, 20],
      pubrelQueues: new Map([[4, { queue: keyA, offset: 3 }]]),
      recovered: true,
    });
  });

  it('an identifier listed twice (records of two shards written apart) is used once; the first wins', () => {
    const parked = recoveredDelivery(
      [
        subscription(
          new Map([
            [0, { sentBelow: 2, messages: [{ offset: 1, packetId: 4, qos: 2, pubrelSent: true }] }],
            [1, { sentBelow: 6, messages: [{ offset: 5, packetId: 4, qos: 1, pubrelSent: false }] }],
          ]),
          [
            [0, 2],
            [1, 5],
          ],
        ),
      ],
      { pendingPubrels: [4], inboundQos2Ids: [] },
    );
    expect(parked?.pubrels).toEqual([4]);
    expect(parked?.queues.get(keyB)?.unacknowledged.size).toBe(0);
  });

  it('nothing recorded (commits of an older gateway, or nothing in flight): no park', () => {
    expect(
      recoveredDelivery([subscription(new Map([[0, { sentBelow: undefined, messages: [] }]]), [[0, 3]])], {
        pendingPubrels: [],
        inboundQos2Ids: [],
      }),
    ).toBeUndefined();
    expect(
      recoveredDelivery([subscription(new Map([[0, { sentBelow: 3, messages: [] }]]), [[0, 3]])], undefined),
    ).toBeUndefined();
  });
});

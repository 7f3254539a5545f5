// Shared pieces of the end-to-end suite (test/e2e): the two system shapes to run over, and clients that are
// ended after each test.
import type { IClientOptions } from 'mqtt';
import { eventually, uniqueName } from '@starling/test-harness';
import { connectClient, type ReceivedMessage, type TestClient } from './mqtt-clients';
import {
  startMultiProcessShape,
  startStandaloneShape,
  type ShapeOptions,
  type SystemShape,
} from './system-shapes';

/** `describe.each(shapeCases())`: standalone (one process) and multi-process (two gateway processes). */
export function shapeCases(
  options: ShapeOptions = {},
): Array<[name: string, start: () => Promise<SystemShape>]> {
  return [
    ['standalone', () => startStandaloneShape(options)],
    ['multi-process', () => startMultiProcessShape({ gateways: 2, ...options })],
  ];
}

/** Multi-process start-up (five processes on two cores) takes a few seconds. */
export const SHAPE_START_TIMEOUT_MS = 60_000;

/** Clients of one test file; `endAll()` in afterEach. */
export function clientTracker() {
  const clients: TestClient[] = [];
  const connect = async (url: string, options: IClientOptions = {}): Promise<TestClient> => {
    const c = await connectClient(url, { clientId: uniqueName(), ...options });
    clients.push(c);
    return c;
  };
  return {
    connect,
    /**
     * Publishes `marker` on `topic` (QoS 1) from a new client of `publishUrl` and waits until `sub` has it:
     * everything published before has had its chance to arrive. How a test shows that something does NOT arrive.
     */
    async flushWith(
      publishUrl: string,
      sub: TestClient,
      topic: string,
      marker = `marker-${uniqueName()}`,
      timeoutMs = 10_000,
    ): Promise<void> {
      const pub = await connect(publishUrl);
      await pub.client.publishAsync(topic, marker, { qos: 1 });
      await eventually(() => expect(payloadsOn(sub.received, topic)).toContain(marker), { timeoutMs });
    },
    async endAll(): Promise<void> {
      await Promise.all(clients.splice(0).map((c) => c.end().catch(() => undefined)));
    },
  };
}

/** `[topic, payload, qos, retain]` of each message, for readable diffs. */
export function summary(received: readonly ReceivedMessage[]): Array<[string, string, number, boolean]> {
  return received.map((m) => [m.topic, m.payload.toString(), m.qos, m.retain]);
}

export function payloadsOn(received: readonly ReceivedMessage[], topic: string): string[] {
  return received.filter((m) => m.topic === topic).map((m) => m.payload.toString());
}

/** The acknowledged payloads a subscriber has not received (yet). */
export function missingPayloads(received: readonly ReceivedMessage[], acked: Iterable<string>): string[] {
  const got = new Set(received.map((m) => m.payload.toString()));
  return [...acked].filter((p) => !got.has(p));
}

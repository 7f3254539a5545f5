import type { AppendOutcome, SessionDelivery, Will } from '../types';

/**
 * QoS 2 messages received from the client whose PUBREL has not arrived yet, by packet identifier: the
 * append in progress, or `true` once stored. Part of the session state [MQTT-4.1.0-1], so a persistent
 * session keeps it across connections to this gateway.
 */
export type InboundQos2 = Map<number, Promise<AppendOutcome> | true>;

/** The session of one accepted connection, as the handlers share it. */
export interface SessionState {
  readonly clientId: string;
  readonly epoch: number;
  /** Clean session = 0: the session outlives the connection [MQTT-3.1.2-4]. */
  readonly persistent: boolean;
  /** Published if the connection ends without DISCONNECT [MQTT-3.1.2-8]; DISCONNECT clears it. */
  will: Will | undefined;
  delivery: SessionDelivery | undefined;
  readonly inboundQos2: InboundQos2;
  /** PUBACK / PUBREC / PUBCOMP are sent in the order their packets arrived [MQTT-4.6.0-2, -3]. */
  ackTail: Promise<void>;
  pendingAcks: number;
  /** Resolves once the connection's close has released the session (delivery stopped, store told). */
  readonly teardown: Promise<void>;
  finishTeardown(): void;
}

/** Every session's acknowledgement chain starts from this one settled promise. */
const SETTLED: Promise<void> = Promise.resolve();

export function createSessionState(init: {
  clientId: string;
  epoch: number;
  persistent: boolean;
  will: Will | undefined;
  inboundQos2: InboundQos2;
}): SessionState {
  let finishTeardown!: () => void;
  const teardown = new Promise<void>((resolve) => {
    finishTeardown = resolve;
  });
  return {
    ...init,
    delivery: undefined,
    ackTail: SETTLED,
    pendingAcks: 0,
    teardown,
    finishTeardown,
  };
}

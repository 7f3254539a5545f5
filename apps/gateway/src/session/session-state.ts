import type { TokenBucket } from '@starling/observability';
import type { AppendOutcome, SessionDelivery, Will } from '../types';
import type { AckQueue } from './ack-queue';

/**
 * QoS 2 messages received from the client whose PUBREL has not arrived yet, by packet identifier: the
 * append in progress, or `true` once stored. Part of the session state [MQTT-4.1.0-1], so a persistent
 * session keeps it across connections (parked on its gateway, committed to the store: ADR 0014).
 *
 * `'restored'`: read from the store's last commit after the session's gateway was lost. The PUBREL of such an
 * identifier may have arrived after that commit, and the client may use the identifier again: only a PUBLISH
 * sent again (DUP 1) is taken for the stored one; a first one (DUP 0) is a new message [MQTT-3.3.1-1].
 */
export type InboundQos2 = Map<number, Promise<AppendOutcome> | true | 'restored'>;

/** The identifiers stored (or restored) and not released: what a commit or a park keeps. */
export function storedInboundIds(inbound: InboundQos2 | undefined): number[] {
  const ids: number[] = [];
  if (inbound === undefined) return ids;
  for (const [id, value] of inbound) if (value === true || value === 'restored') ids.push(id);
  return ids;
}

/**
 * The session of one accepted connection, as the handlers share it.
 *
 * One instance per connection, so it is a class with a fixed shape: an object literal built by spreading
 * got a hidden class of its own per connection (about 400 bytes of descriptors). What most idle connections
 * never use is made on first use: the QoS 2 map (an empty Map costs about 180 bytes) and the teardown promise.
 */
export class SessionState {
  /** Published if the connection ends without DISCONNECT [MQTT-3.1.2-8]; DISCONNECT clears it. */
  will: Will | undefined;
  delivery: SessionDelivery | undefined = undefined;
  /** PUBACK / PUBREC / PUBCOMP in the order their packets arrived [MQTT-4.6.0-2, -3]; made on first use. */
  ackQueue: AckQueue | undefined = undefined;
  /**
   * GATEWAY_MAX_PUBLISH_RATE and GATEWAY_PUBLISH_BURST, set by the CONNECT handler when there is a limit. Past
   * it, a PUBLISH waits for its token and the gateway reads no further from that connection meanwhile: the
   * client slows down through TCP back-pressure, nothing is dropped, and other clients are not affected.
   */
  publishRate: TokenBucket | undefined = undefined;
  private qos2: InboundQos2 | undefined;
  private torndown = false;
  private teardownPromise: Promise<void> | undefined = undefined;
  private resolveTeardown: (() => void) | undefined = undefined;

  constructor(
    readonly clientId: string,
    readonly epoch: number,
    /** Clean session = 0: the session outlives the connection [MQTT-3.1.2-4]. */
    readonly persistent: boolean,
    will: Will | undefined,
    inboundQos2: InboundQos2 | undefined,
  ) {
    this.will = will;
    this.qos2 = inboundQos2;
  }

  get inboundQos2(): InboundQos2 {
    return (this.qos2 ??= new Map());
  }

  /** The QoS 2 map if it was ever made (a persistent session parks it across connections). */
  get inboundQos2IfAny(): InboundQos2 | undefined {
    return this.qos2;
  }

  /** Resolves once the connection's close has released the session (delivery stopped, store told). */
  get teardown(): Promise<void> {
    if (this.teardownPromise === undefined) {
      this.teardownPromise = this.torndown
        ? SETTLED
        : new Promise<void>((resolve) => {
            this.resolveTeardown = resolve;
          });
    }
    return this.teardownPromise;
  }

  finishTeardown(): void {
    this.torndown = true;
    this.resolveTeardown?.();
    this.resolveTeardown = undefined;
  }
}

const SETTLED: Promise<void> = Promise.resolve();

export function createSessionState(init: {
  clientId: string;
  epoch: number;
  persistent: boolean;
  will: Will | undefined;
  inboundQos2: InboundQos2 | undefined;
}): SessionState {
  return new SessionState(init.clientId, init.epoch, init.persistent, init.will, init.inboundQos2);
}

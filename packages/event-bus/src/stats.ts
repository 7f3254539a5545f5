/** Counters of one bus instance since it was created (both implementations report the same shape). */
export interface EventBusStats {
  /** Arrival events handed to the transport. */
  readonly published: number;
  /** `publishArrival` calls that returned false (closed, disconnected, invalid event). */
  readonly publishFailed: number;
  /** Arrival events received for a queue this instance reads. */
  readonly received: number;
  /** Handler calls made for received events (one event, three local handlers: three). */
  readonly delivered: number;
  /** Received payloads that could not be decoded, or whose queue is not the subscribed one. */
  readonly malformed: number;
  /** Arrival handlers that threw (logged; the other handlers still ran). */
  readonly handlerErrors: number;
  /** Queues with at least one local handler, i.e. transport subscriptions held. */
  readonly queues: number;
  /** Local arrival handlers. */
  readonly handlers: number;
  /** Times the connection was lost (NATS only). */
  readonly disconnects: number;
  /** Times the connection came back (NATS only). */
  readonly reconnects: number;
}

export interface MutableStats {
  published: number;
  publishFailed: number;
  received: number;
  delivered: number;
  malformed: number;
  handlerErrors: number;
  disconnects: number;
  reconnects: number;
}

export function newStats(): MutableStats {
  return {
    published: 0,
    publishFailed: 0,
    received: 0,
    delivered: 0,
    malformed: 0,
    handlerErrors: 0,
    disconnects: 0,
    reconnects: 0,
  };
}

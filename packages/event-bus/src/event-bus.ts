/**
 * The EventBus contract: how arrival hints reach the gateways that read a queue, and how a gateway asks
 * another to hand over a session. Two implementations pass one contract suite: NATS (the multi-process
 * topology) and in-process (standalone). Events are HINTS: a duplicate or a dropped event is harmless,
 * because gateways also catch up by pulling sessions that are behind.
 */

/** A queue on a store shard (mirrors starling.store.v1.QueueRef). */
export interface BusQueueRef {
  readonly kind: 'topic' | 'filter';
  readonly name: string;
}

/** "Queue Q on shard N now ends at offset S" (mirrors starling.events.v1.ArrivalEvent). */
export interface ArrivalEvent {
  readonly queue: BusQueueRef;
  readonly shard: number;
  readonly endOffset: number;
  /** Store clock when the entries were dispatched, for end-to-end latency metrics. */
  readonly timestampMs: number;
}

export type ArrivalHandler = (event: ArrivalEvent) => void;

/** A request handler's answer; thrown errors become a `failed` reply to the requester. */
export type RequestHandler = (request: Uint8Array) => Uint8Array | Promise<Uint8Array>;

export type RequestOutcome =
  | { readonly status: 'ok'; readonly reply: Uint8Array }
  /** Nobody serves the subject (e.g. the old owner gateway is gone). */
  | { readonly status: 'no-responders' }
  | { readonly status: 'timeout' }
  /** The responder's handler threw, or the bus is closed or disconnected. */
  | { readonly status: 'failed'; readonly reason: string };

export interface BusSubscription {
  unsubscribe(): void;
}

export interface EventBus {
  /**
   * Publishes an arrival hint to every subscriber of its queue. Never blocks and never throws: returns
   * false when the event could not be handed to the transport (disconnected, closed) — callers count it.
   */
  publishArrival(event: ArrivalEvent): boolean;
  /**
   * Receives arrival events of one queue, from every shard. Several handlers may subscribe to the same
   * queue; each `unsubscribe` removes exactly its own. Interest is routed: a bus instance that has no
   * subscriber for a queue receives nothing for it.
   */
  subscribeArrivals(queue: BusQueueRef, handler: ArrivalHandler): BusSubscription;
  /** Answers requests sent to `subject` (e.g. `takeoverSubject(gatewayId)`). One server per subject. */
  serve(subject: string, handler: RequestHandler): BusSubscription;
  /** Sends a request and waits up to `timeoutMs` for the reply. Never throws. */
  request(subject: string, payload: Uint8Array, timeoutMs: number): Promise<RequestOutcome>;
  /** Resolves once everything published so far has been handed to the transport's peer. */
  flush(): Promise<void>;
  /** True while events can be delivered (NATS: connected; in-process: not closed). */
  readonly connected: boolean;
  close(): Promise<void>;
}

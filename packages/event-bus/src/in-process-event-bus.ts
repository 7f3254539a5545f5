import { copyArrivalEvent, validateArrivalEvent } from './arrival-codec';
import { failureReason, SubjectAlreadyServedError } from './errors';
import type {
  ArrivalEvent,
  ArrivalHandler,
  BusQueueRef,
  BusSubscription,
  EventBus,
  RequestHandler,
  RequestOutcome,
} from './event-bus';
import { LocalArrivalHandlers, queueKey } from './local-handlers';
import { errorMessage, silentLogger, type EventBusLogger } from './logger';
import { newStats, type EventBusStats } from './stats';

/**
 * The medium several in-process buses share, as several NATS connections share one nats-server: it routes
 * an arrival only to the bus instances that have a handler for its queue, and a request to the one bus that
 * serves its subject. Standalone mode creates one hub (or lets `createInProcessEventBus()` make a private
 * one); tests create several buses on one hub to play several gateways.
 */
export interface InProcessHub {
  /** Bus instances with at least one handler, per queue key. */
  readonly interest: Map<string, Set<HubMember>>;
  /** The handler serving each subject. */
  readonly servers: Map<string, RequestHandler>;
}

/** What the hub routes to: one bus instance. */
export interface HubMember {
  receive(event: ArrivalEvent): void;
}

export function createInProcessHub(): InProcessHub {
  return { interest: new Map(), servers: new Map() };
}

export interface InProcessEventBusOptions {
  readonly logger?: EventBusLogger;
}

export type InProcessEventBus = EventBus & { stats(): EventBusStats };

const inertSubscription: BusSubscription = { unsubscribe: () => undefined };

/**
 * An event bus inside one process. Delivery is asynchronous, on a microtask, so a publisher never re-enters
 * a handler (as with NATS) and events of one publisher arrive in publish order. Events go through the same
 * codec as on NATS, so both implementations accept and reject the same events, and a handler gets its own
 * copy.
 */
export function createInProcessEventBus(
  hub: InProcessHub = createInProcessHub(),
  options: InProcessEventBusOptions = {},
): InProcessEventBus {
  return new InProcessBus(hub, options.logger ?? silentLogger);
}

class InProcessBus implements InProcessEventBus, HubMember {
  private closed = false;
  private readonly counters = newStats();
  private readonly handlers = new LocalArrivalHandlers();
  private readonly served = new Map<string, RequestHandler>();
  private warnedInvalidEvent = false;

  constructor(
    private readonly hub: InProcessHub,
    private readonly logger: EventBusLogger,
  ) {}

  get connected(): boolean {
    return !this.closed;
  }

  stats(): EventBusStats {
    return { ...this.counters, queues: this.handlers.queueCount, handlers: this.handlers.handlerCount };
  }

  publishArrival(event: ArrivalEvent): boolean {
    if (this.closed) {
      this.counters.publishFailed++;
      return false;
    }
    try {
      validateArrivalEvent(event);
    } catch (err) {
      this.counters.publishFailed++;
      if (!this.warnedInvalidEvent) {
        this.warnedInvalidEvent = true;
        this.logger.warn({ err: errorMessage(err) }, 'invalid arrival event not published');
      }
      return false;
    }
    this.counters.published++;
    // Interest is taken when published, as the server would route it; each receiver gets its own copy, the
    // event its wire form would decode to (no bytes in between: this bus never leaves the process).
    const receivers = this.hub.interest.get(queueKey(event.queue));
    if (receivers !== undefined) {
      for (const bus of receivers) {
        const copy = copyArrivalEvent(event);
        queueMicrotask(() => bus.receive(copy));
      }
    }
    return true;
  }

  /** Called by the hub's routing for an event of a queue this bus had interest in when it was published. */
  receive(event: ArrivalEvent): void {
    if (this.closed) return;
    // Interest may have gone between publish and delivery (as an UNSUB racing a message on NATS).
    if (!this.handlers.has(event.queue)) return;
    this.counters.received++;
    this.counters.delivered += this.handlers.dispatch(event, (err) => {
      this.counters.handlerErrors++;
      this.logger.error({ err: errorMessage(err) }, 'arrival handler threw');
    });
  }

  subscribeArrivals(queue: BusQueueRef, handler: ArrivalHandler): BusSubscription {
    if (this.closed) return inertSubscription;
    const own: BusQueueRef = { kind: queue.kind, name: queue.name };
    const key = queueKey(own);
    const added = this.handlers.add(own, handler);
    if (added.first) {
      let buses = this.hub.interest.get(key);
      if (buses === undefined) {
        buses = new Set();
        this.hub.interest.set(key, buses);
      }
      buses.add(this);
    }
    return {
      unsubscribe: () => {
        if (added.remove()) this.dropInterest(key);
      },
    };
  }

  private dropInterest(key: string): void {
    const buses = this.hub.interest.get(key);
    if (buses === undefined) return;
    buses.delete(this);
    if (buses.size === 0) this.hub.interest.delete(key);
  }

  serve(subject: string, handler: RequestHandler): BusSubscription {
    if (this.closed) return inertSubscription;
    if (this.hub.servers.has(subject)) throw new SubjectAlreadyServedError(subject);
    this.hub.servers.set(subject, handler);
    this.served.set(subject, handler);
    return {
      unsubscribe: () => {
        if (this.served.get(subject) !== handler) return;
        this.served.delete(subject);
        if (this.hub.servers.get(subject) === handler) this.hub.servers.delete(subject);
      },
    };
  }

  async request(subject: string, payload: Uint8Array, timeoutMs: number): Promise<RequestOutcome> {
    if (this.closed) return { status: 'failed', reason: 'bus closed' };
    // Asynchronous like a network round trip: the requester's caller never re-enters the handler.
    await Promise.resolve();
    const handler = this.hub.servers.get(subject);
    if (handler === undefined) return { status: 'no-responders' };
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<RequestOutcome>((resolve) => {
      timer = setTimeout(() => resolve({ status: 'timeout' }), Math.max(0, timeoutMs));
    });
    const answer = (async (): Promise<RequestOutcome> => {
      try {
        const reply = await handler(Uint8Array.from(payload));
        return { status: 'ok', reply: Uint8Array.from(reply) };
      } catch (err) {
        return { status: 'failed', reason: failureReason(err) };
      }
    })();
    try {
      return await Promise.race([answer, timeout]);
    } finally {
      clearTimeout(timer);
    }
  }

  async flush(): Promise<void> {
    // Deliveries are microtasks queued at publish time; a macrotask boundary runs every one of them.
    await new Promise<void>((resolve) => setImmediate(resolve));
  }

  close(): Promise<void> {
    if (this.closed) return Promise.resolve();
    this.closed = true;
    for (const [key, buses] of this.hub.interest) {
      buses.delete(this);
      if (buses.size === 0) this.hub.interest.delete(key);
    }
    for (const [subject, handler] of this.served) {
      if (this.hub.servers.get(subject) === handler) this.hub.servers.delete(subject);
    }
    this.served.clear();
    this.handlers.clear();
    return Promise.resolve();
  }
}

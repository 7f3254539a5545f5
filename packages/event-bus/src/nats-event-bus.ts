import {
  connect,
  DebugEvents,
  Empty,
  ErrorCode,
  Events,
  headers,
  NatsError,
  type Msg,
  type NatsConnection,
  type Subscription,
} from 'nats';
import { decodeArrivalEvent, encodeArrivalEvent } from './arrival-codec';
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
import { arrivalSubject } from './subjects';

/** Reply header that carries a responder's failure reason (the reply body is then empty). */
export const REPLY_ERROR_HEADER = 'Starling-Error';

export interface NatsEventBusOptions {
  /** One URL or a list (`nats://nats-0:4222`); the client also learns cluster members from the server. */
  readonly servers: string | readonly string[];
  /** Connection name shown by the server's monitoring (`gateway-7f9c`). */
  readonly name?: string;
  readonly logger?: EventBusLogger;
  /** First wait between reconnect attempts; it doubles with the outage's length up to the maximum. */
  readonly reconnectTimeWaitMs?: number;
  readonly maxReconnectTimeWaitMs?: number;
  /** Upper bound of a random delay added to every wait, so a fleet does not reconnect in lock-step. */
  readonly reconnectJitterMs?: number;
  /** Client ping interval: how fast a silently dead server is noticed (`maxPingOut` pings are missed). */
  readonly pingIntervalMs?: number;
  /** Keep retrying the FIRST connect instead of rejecting when no server answers. */
  readonly waitOnFirstConnect?: boolean;
  /** Handshake timeout per attempt. */
  readonly connectTimeoutMs?: number;
}

export type NatsEventBus = EventBus & { stats(): EventBusStats };

const DEFAULT_RECONNECT_TIME_WAIT_MS = 250;
const DEFAULT_MAX_RECONNECT_TIME_WAIT_MS = 5_000;
const DEFAULT_RECONNECT_JITTER_MS = 250;

const inertSubscription: BusSubscription = { unsubscribe: () => undefined };

/** Subjects remembered per queue kind (a publisher sees the same queues again and again); cleared past it. */
const MAX_CACHED_SUBJECTS = 65_536;

/**
 * Connects to NATS and returns the bus. Rejects only when the first connect fails (unless
 * `waitOnFirstConnect`); afterwards the client reconnects forever, and the bus never throws from
 * `publishArrival` or `request`.
 *
 * Publishing while disconnected returns false instead of letting nats.js buffer the event until the
 * reconnect: events are hints, a stale burst after an outage is worth nothing (gateways catch up by pulling
 * sessions that are behind), and an unbounded buffer during a long outage is a memory risk. The notifier
 * counts the false returns.
 */
export async function connectNatsEventBus(options: NatsEventBusOptions): Promise<NatsEventBus> {
  const logger = options.logger ?? silentLogger;
  const baseWaitMs = options.reconnectTimeWaitMs ?? DEFAULT_RECONNECT_TIME_WAIT_MS;
  const maxWaitMs = Math.max(
    baseWaitMs,
    options.maxReconnectTimeWaitMs ?? DEFAULT_MAX_RECONNECT_TIME_WAIT_MS,
  );
  const jitterMs = options.reconnectJitterMs ?? DEFAULT_RECONNECT_JITTER_MS;
  let outageStartedAt = Date.now();

  const nc = await connect({
    servers: typeof options.servers === 'string' ? options.servers : [...options.servers],
    ...(options.name !== undefined ? { name: options.name } : {}),
    ...(options.pingIntervalMs !== undefined ? { pingInterval: options.pingIntervalMs } : {}),
    ...(options.connectTimeoutMs !== undefined ? { timeout: options.connectTimeoutMs } : {}),
    waitOnFirstConnect: options.waitOnFirstConnect ?? false,
    maxReconnectAttempts: -1,
    // Backoff: the wait grows with the outage (base → max), plus jitter. nats.js asks before every attempt.
    reconnectDelayHandler: () => {
      const outageMs = Date.now() - outageStartedAt;
      return Math.min(maxWaitMs, Math.max(baseWaitMs, outageMs / 2)) + Math.random() * jitterMs;
    },
  });
  logger.info({ server: nc.getServer() }, 'nats connected');
  return new NatsBus(nc, logger, () => {
    outageStartedAt = Date.now();
  });
}

class NatsBus implements NatsEventBus {
  private isConnected = true;
  private closing: Promise<void> | undefined;
  private readonly counters = newStats();
  private readonly handlers = new LocalArrivalHandlers();
  private readonly arrivalSubs = new Map<string, Subscription>();
  private readonly served = new Map<string, Subscription>();
  private warnedInvalidEvent = false;
  private warnedMalformed = false;
  /**
   * Each published queue's subject: building it walks the name's UTF-8 bytes and builds a string, per event.
   * The cache lives long (old generation), so at 10,000 events/s it takes that work and that garbage away.
   */
  private readonly subjects: Record<BusQueueRef['kind'], Map<string, string>> = {
    topic: new Map(),
    filter: new Map(),
  };

  constructor(
    private readonly nc: NatsConnection,
    private readonly logger: EventBusLogger,
    private readonly onOutageStart: () => void,
  ) {
    void this.watchStatus();
    void nc.closed().then((err) => {
      this.isConnected = false;
      if (err) this.logger.error({ err: errorMessage(err) }, 'nats connection closed with an error');
      else if (this.closing === undefined) this.logger.warn({}, 'nats connection closed');
    });
  }

  get connected(): boolean {
    return this.isConnected && this.closing === undefined;
  }

  stats(): EventBusStats {
    return { ...this.counters, queues: this.arrivalSubs.size, handlers: this.handlers.handlerCount };
  }

  publishArrival(event: ArrivalEvent): boolean {
    if (!this.connected) {
      this.counters.publishFailed++;
      return false;
    }
    let payload: Uint8Array;
    try {
      payload = encodeArrivalEvent(event);
    } catch (err) {
      this.counters.publishFailed++;
      if (!this.warnedInvalidEvent) {
        this.warnedInvalidEvent = true;
        this.logger.warn({ err: errorMessage(err) }, 'invalid arrival event not published');
      }
      return false;
    }
    try {
      this.nc.publish(this.subjectOf(event.queue), payload);
    } catch {
      // Closed or draining between the check and here.
      this.counters.publishFailed++;
      return false;
    }
    this.counters.published++;
    return true;
  }

  private subjectOf(queue: BusQueueRef): string {
    const cache = this.subjects[queue.kind];
    let subject = cache.get(queue.name);
    if (subject === undefined) {
      subject = arrivalSubject(queue);
      if (cache.size >= MAX_CACHED_SUBJECTS) cache.clear();
      cache.set(queue.name, subject);
    }
    return subject;
  }

  subscribeArrivals(queue: BusQueueRef, handler: ArrivalHandler): BusSubscription {
    if (this.closing !== undefined) return inertSubscription;
    const own: BusQueueRef = { kind: queue.kind, name: queue.name };
    const key = queueKey(own);
    const added = this.handlers.add(own, handler);
    if (added.first) {
      try {
        const sub = this.nc.subscribe(arrivalSubject(own), {
          callback: (err, msg) => this.onArrival(own, err, msg),
        });
        this.arrivalSubs.set(key, sub);
      } catch (err) {
        added.remove();
        throw err;
      }
    }
    return {
      unsubscribe: () => {
        if (!added.remove()) return;
        const sub = this.arrivalSubs.get(key);
        this.arrivalSubs.delete(key);
        try {
          sub?.unsubscribe();
        } catch {
          // The connection closed meanwhile: the server forgot the interest with it.
        }
      },
    };
  }

  private onArrival(queue: BusQueueRef, err: NatsError | null, msg: Msg): void {
    if (err) {
      this.logger.warn({ err: errorMessage(err) }, 'arrival subscription error');
      return;
    }
    const event = decodeArrivalEvent(msg.data);
    // A hashed subject may in theory be shared by two names: the payload's name decides.
    if (event === undefined || event.queue.kind !== queue.kind || event.queue.name !== queue.name) {
      this.counters.malformed++;
      if (!this.warnedMalformed) {
        this.warnedMalformed = true;
        this.logger.warn({ subject: msg.subject }, 'dropped an undecodable or foreign arrival event');
      }
      return;
    }
    this.counters.received++;
    this.counters.delivered += this.handlers.dispatch(event, (handlerErr) => {
      this.counters.handlerErrors++;
      this.logger.error({ err: errorMessage(handlerErr) }, 'arrival handler threw');
    });
  }

  serve(subject: string, handler: RequestHandler): BusSubscription {
    if (this.closing !== undefined) return inertSubscription;
    if (this.served.has(subject)) throw new SubjectAlreadyServedError(subject);
    const sub = this.nc.subscribe(subject, {
      callback: (err, msg) => {
        if (err) {
          this.logger.warn({ err: errorMessage(err), subject }, 'serve subscription error');
          return;
        }
        void this.answer(handler, msg);
      },
    });
    this.served.set(subject, sub);
    return {
      unsubscribe: () => {
        if (this.served.get(subject) !== sub) return;
        this.served.delete(subject);
        try {
          sub.unsubscribe();
        } catch {
          // Already closed.
        }
      },
    };
  }

  private async answer(handler: RequestHandler, msg: Msg): Promise<void> {
    let reply: Uint8Array;
    try {
      // A copy: the handler may keep the bytes beyond this callback.
      reply = await handler(Uint8Array.from(msg.data));
    } catch (err) {
      const h = headers();
      h.set(REPLY_ERROR_HEADER, failureReason(err));
      this.respond(msg, Empty, h);
      return;
    }
    this.respond(msg, reply);
  }

  private respond(msg: Msg, data: Uint8Array, h?: ReturnType<typeof headers>): void {
    try {
      msg.respond(data, h ? { headers: h } : undefined);
    } catch (err) {
      this.logger.warn({ err: errorMessage(err), subject: msg.subject }, 'reply not sent');
    }
  }

  async request(subject: string, payload: Uint8Array, timeoutMs: number): Promise<RequestOutcome> {
    if (this.closing !== undefined) return { status: 'failed', reason: 'bus closed' };
    if (!this.isConnected) return { status: 'failed', reason: 'bus disconnected' };
    try {
      const msg = await this.nc.request(subject, payload, { timeout: timeoutMs });
      const error = msg.headers?.get(REPLY_ERROR_HEADER);
      if (error !== undefined && error !== '') return { status: 'failed', reason: error };
      return { status: 'ok', reply: Uint8Array.from(msg.data) };
    } catch (err) {
      if (err instanceof NatsError) {
        if (err.code === (ErrorCode.NoResponders as string)) return { status: 'no-responders' };
        if (err.code === (ErrorCode.Timeout as string)) return { status: 'timeout' };
      }
      return { status: 'failed', reason: errorMessage(err) };
    }
  }

  /**
   * While disconnected it resolves at once: nothing is published then (publishArrival returns false), and
   * waiting for the reconnect could hold a shutdown forever.
   */
  async flush(): Promise<void> {
    if (this.nc.isClosed() || !this.isConnected) return;
    try {
      await this.nc.flush();
    } catch {
      // Closed while flushing: nothing more will be handed over.
    }
  }

  close(): Promise<void> {
    this.closing ??= this.shutdown();
    return this.closing;
  }

  private async shutdown(): Promise<void> {
    this.handlers.clear();
    this.arrivalSubs.clear();
    this.served.clear();
    try {
      // Drain hands over what was published; while disconnected it would wait for a reconnect, so close.
      if (this.isConnected && !this.nc.isClosed() && !this.nc.isDraining()) await this.nc.drain();
      else if (!this.nc.isClosed()) await this.nc.close();
    } catch (err) {
      this.logger.warn({ err: errorMessage(err) }, 'nats drain failed');
      if (!this.nc.isClosed()) await this.nc.close();
    }
    await this.nc.closed();
    this.isConnected = false;
  }

  private async watchStatus(): Promise<void> {
    for await (const status of this.nc.status()) {
      switch (status.type) {
        case Events.Disconnect:
          if (this.isConnected) {
            this.isConnected = false;
            this.counters.disconnects++;
            this.onOutageStart();
            if (this.closing === undefined) this.logger.warn({ server: status.data }, 'nats disconnected');
          }
          break;
        case Events.Reconnect:
          if (!this.isConnected) {
            this.isConnected = true;
            this.counters.reconnects++;
            this.logger.info({ server: status.data }, 'nats reconnected');
          }
          break;
        case Events.Error:
          this.logger.error(
            { err: typeof status.data === 'string' ? status.data : JSON.stringify(status.data) },
            'nats async error',
          );
          break;
        case Events.LDM:
          this.logger.warn({ server: status.data }, 'nats server entering lame duck mode');
          break;
        case Events.Update:
        case DebugEvents.Reconnecting:
        case DebugEvents.PingTimer:
        case DebugEvents.StaleConnection:
        case DebugEvents.ClientInitiatedReconnect:
          break;
      }
    }
  }
}

export interface FirstConnectRetry {
  /** First and longest wait between attempts; each attempt doubles the wait, with jitter. */
  readonly minMs: number;
  readonly maxMs: number;
  /** Polled between attempts: a process shutting down stops trying. */
  readonly stopped: () => boolean;
}

/**
 * Connects like `connectNatsEventBus`, retrying the FIRST connection with backoff until it succeeds or
 * `retry.stopped()`: a service may start before NATS does (Kubernetes starts pods in any order), and a later
 * outage is handled by the bus' own reconnects. Resolves undefined only when stopped.
 */
export async function connectNatsEventBusWithRetry(
  options: NatsEventBusOptions,
  retry: FirstConnectRetry,
): Promise<NatsEventBus | undefined> {
  for (let attempt = 0; !retry.stopped(); attempt++) {
    try {
      return await connectNatsEventBus(options);
    } catch (err) {
      // Equal jitter: between half and all of min·2ⁿ, capped, so replicas started together spread out.
      const ceiling = Math.min(retry.maxMs, retry.minMs * 2 ** Math.min(attempt, 30));
      const delayMs = Math.round(ceiling / 2 + Math.random() * (ceiling / 2));
      options.logger?.warn({ err, delayMs }, 'cannot connect to nats yet');
      await new Promise((resolve) => setTimeout(resolve, delayMs));
    }
  }
  return undefined;
}

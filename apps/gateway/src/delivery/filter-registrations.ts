import type { Logger } from '@starling/observability';
import type { FilterQueues, StoreAccess } from '../types';

interface Registration {
  refs: number;
  /** Store calls for this filter run one after another (a register never overtakes an unregister). */
  chain: Promise<unknown>;
}

/**
 * Filter registrations of clean sessions: held by this gateway with a lease it renews, one per filter,
 * reference-counted across local sessions (ADR 0004). Every subscribe still calls RegisterFilter (idempotent,
 * it renews the lease) because a new subscription starts at the queue's end *now*.
 */
export class FilterRegistrations {
  private readonly registrations = new Map<string, Registration>();
  private readonly renewTimer: NodeJS.Timeout;

  constructor(
    private readonly store: StoreAccess,
    private readonly logger: Logger,
    private readonly leaseMs: number,
  ) {
    this.renewTimer = setInterval(() => this.renew(), Math.max(1, Math.floor(leaseMs / 3)));
    this.renewTimer.unref();
  }

  get size(): number {
    return this.registrations.size;
  }

  async register(filter: string): Promise<FilterQueues> {
    let registration = this.registrations.get(filter);
    if (registration === undefined) {
      registration = { refs: 0, chain: Promise.resolve() };
      this.registrations.set(filter, registration);
    }
    registration.refs += 1;
    const call = registration.chain.then(() => this.store.registerFilter(filter, this.leaseMs));
    registration.chain = call.catch(() => undefined);
    try {
      return await call;
    } catch (err) {
      this.release(filter);
      throw err;
    }
  }

  release(filter: string): void {
    const registration = this.registrations.get(filter);
    if (registration === undefined) return;
    registration.refs -= 1;
    if (registration.refs > 0) return;
    this.registrations.delete(filter);
    registration.chain = registration.chain
      .then(() => this.store.unregisterFilter(filter))
      .catch((err: unknown) => this.logger.warn({ err, filter }, 'filter unregistration failed'));
  }

  async close(): Promise<void> {
    clearInterval(this.renewTimer);
    await Promise.allSettled(
      [...this.registrations.keys()].map((filter) => this.store.unregisterFilter(filter)),
    );
    this.registrations.clear();
  }

  private renew(): void {
    for (const [filter, registration] of this.registrations) {
      registration.chain = registration.chain
        .then(() => this.store.registerFilter(filter, this.leaseMs))
        .catch((err: unknown) => this.logger.warn({ err, filter }, 'filter lease renewal failed'));
    }
  }
}

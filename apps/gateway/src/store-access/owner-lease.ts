import type { Logger } from '@starling/observability';

export interface OwnerLeaseOptions {
  readonly shardCount: number;
  /** RenewOwnerLease on one shard; resolves with the store's `lapsed`. */
  readonly renew: (shard: number, leaseMs: number) => Promise<boolean>;
  readonly leaseMs: number;
  readonly logger: Logger;
  /** The store had let this owner's lease lapse on `shard`: the sessions homed there were released. */
  readonly onLapsed: (shard: number) => void;
  /** A renewal failed (the store is down or unreachable); the next one is a third of a lease later. */
  readonly onRenewalFailed?: (shard: number) => void;
}

/**
 * This gateway incarnation's lease as session owner on every store shard (ADR 0013): renewed at once, then
 * every third of the lease, so two renewals may fail in a row before the store lets it lapse. A shard that
 * answers `lapsed` had released the sessions this gateway opened there — disconnected them and published
 * their wills — because no renewal reached it for a whole lease.
 */
export class OwnerLease {
  private readonly timer: NodeJS.Timeout;
  private readonly inFlight = new Set<number>();
  private closed = false;

  constructor(private readonly options: OwnerLeaseOptions) {
    this.timer = setInterval(() => this.renewAll(), Math.max(1, Math.floor(options.leaseMs / 3)));
    this.timer.unref();
    this.renewAll();
  }

  /** Renews on every shard now (a shard whose renewal is still in flight is skipped). */
  renewAll(): void {
    for (let shard = 0; shard < this.options.shardCount; shard++) {
      if (this.inFlight.has(shard) || this.closed) continue;
      this.inFlight.add(shard);
      this.options
        .renew(shard, this.options.leaseMs)
        .then(
          (lapsed) => {
            if (!lapsed || this.closed) return;
            this.options.logger.warn(
              { shard },
              'owner lease had lapsed on a store shard: its sessions there were released; closing them',
            );
            this.options.onLapsed(shard);
          },
          (err: unknown) => {
            if (this.closed) return;
            this.options.onRenewalFailed?.(shard);
            this.options.logger.warn({ err, shard }, 'owner lease renewal failed');
          },
        )
        .finally(() => this.inFlight.delete(shard));
    }
  }

  close(): void {
    this.closed = true;
    clearInterval(this.timer);
  }
}

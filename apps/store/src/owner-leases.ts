import type { Logger } from '@starling/observability';
import type { OwnerRecord, StateStore } from './state';
import type { StoreMetrics } from './metrics';

export interface OwnerLeasesOptions {
  readonly state: StateStore;
  readonly logger: Logger;
  readonly metrics?: StoreMetrics['ownerLeases'] | undefined;
  /** Publishes the wills that fell due (the store's housekeeping round), so a lapse does not wait for its timer. */
  readonly publishDueWills: () => Promise<void>;
  /** How often lapsed leases are looked for (default 250 ms: a lapse is acted on within that). */
  readonly checkIntervalMs?: number;
  readonly now?: () => number;
}

export interface RenewOutcome {
  /** The owner's previous lease had lapsed: its sessions here were released before this renewal. */
  readonly lapsed: boolean;
}

interface Lease {
  readonly gatewayId: string;
  leaseMs: number;
  expiresAtMs: number;
}

/** Longest lease an owner may ask for: a dead gateway must not keep its sessions connected for days. */
export const MAX_OWNER_LEASE_MS = 10 * 60_000;

/**
 * Session owners' leases on one shard (ADR 0013). A gateway incarnation renews its lease on every shard; a
 * session opened by it names it as owner (`owned` index). When a lease lapses (the gateway crashed, or could
 * not reach this shard for a whole lease), every session the owner still holds connected is released as a
 * close without DISCONNECT at the lapse time: its expiry starts, a clean one is deleted, its will becomes
 * pending and is published by the store.
 *
 * Deadlines live in memory; the owners are stored (`owners`), so a restarted store gives each live one a full
 * lease from its start — a gateway that died while the store was down lapses one lease after the restart.
 */
export class OwnerLeases {
  private readonly leases = new Map<string, Lease>();
  /** Owners lapsed and released here, until they renew (then told `lapsed`) or are forgotten. */
  private readonly lapsed = new Set<string>();
  private readonly timer: NodeJS.Timeout;
  private checking: Promise<void> = Promise.resolve();
  private closed = false;
  /** Client ids whose will a lapse made pending, to count their publication (bounded). */
  private readonly lapsedWills = new Set<string>();
  private readonly now: () => number;

  private constructor(private readonly options: OwnerLeasesOptions) {
    this.now = options.now ?? Date.now;
    this.timer = setInterval(() => {
      this.check().catch((err: unknown) => options.logger.error({ err }, 'owner lease check failed'));
    }, options.checkIntervalMs ?? 250);
    this.timer.unref();
  }

  /**
   * Loads the stored owners: each live one gets a full lease from now. An owner of connected sessions that
   * was never stored (sessions opened before this store knew leases) gets none, and never lapses until it
   * renews.
   */
  static start(options: OwnerLeasesOptions): OwnerLeases {
    const leases = new OwnerLeases(options);
    const nowMs = leases.now();
    for (const record of options.state.owners.list()) {
      if (record.lapsedAtMs !== 0) leases.lapsed.add(record.ownerId);
      else {
        leases.leases.set(record.ownerId, {
          gatewayId: record.gatewayId,
          leaseMs: record.leaseMs,
          expiresAtMs: nowMs + record.leaseMs,
        });
      }
    }
    const unleased = [...options.state.sessions.connectedOwners()].filter(
      (owner) => !leases.leases.has(owner) && !leases.lapsed.has(owner),
    );
    if (unleased.length > 0) {
      options.logger.warn(
        { owners: unleased.slice(0, 10), count: unleased.length },
        'connected sessions of owners without a lease: released only once such an owner renews and lapses',
      );
    }
    leases.forgetOldLapsed();
    leases.updateGauges();
    return leases;
  }

  /** Live owner leases. */
  get size(): number {
    return this.leases.size;
  }

  /**
   * Renews (or grants) `ownerId`'s lease. A new owner id under a gateway id ends that gateway's older
   * incarnations at once: the gateway restarted, and whatever its previous process held is gone.
   */
  async renew(ownerId: string, gatewayId: string, leaseMs: number): Promise<RenewOutcome> {
    const nowMs = this.now();
    const lease = this.leases.get(ownerId);
    if (lease !== undefined && lease.expiresAtMs >= nowMs) {
      lease.expiresAtMs = nowMs + leaseMs;
      if (lease.leaseMs !== leaseMs) {
        lease.leaseMs = leaseMs;
        await this.options.state.owners.put({ ownerId, gatewayId, leaseMs, lapsedAtMs: 0 });
      }
      return { lapsed: false };
    }
    // New, lapsed (released or about to be), or past its deadline and not yet checked: release first, so the
    // answer tells the truth and nothing the owner opens from now on is released by a late check.
    if (lease !== undefined) await this.lapse(ownerId, lease.expiresAtMs);
    else await this.checking;
    const wasLapsed = this.lapsed.delete(ownerId);
    const record: OwnerRecord = { ownerId, gatewayId, leaseMs, lapsedAtMs: 0 };
    await this.options.state.owners.put(record);
    this.leases.set(ownerId, { gatewayId, leaseMs, expiresAtMs: nowMs + leaseMs });
    if (!wasLapsed) {
      const older = [...this.leases].filter(([id, l]) => id !== ownerId && l.gatewayId === gatewayId);
      for (const [id] of older) {
        this.options.logger.info(
          { ownerId: id, newOwnerId: ownerId },
          'gateway restarted: older owner lapsed',
        );
        await this.lapse(id, nowMs);
      }
    }
    this.updateGauges();
    return { lapsed: wasLapsed };
  }

  /** A will was appended by the store (its housekeeping): counted when a lapse made it pending. */
  willAppended(clientId: string): void {
    if (this.lapsedWills.delete(clientId)) this.options.metrics?.willsPublished.inc();
  }

  /** Releases the sessions of every owner whose lease is past (the timer calls it). */
  check(): Promise<void> {
    const run = this.checking.then(async () => {
      const nowMs = this.now();
      for (const [ownerId, lease] of [...this.leases]) {
        if (this.closed) return;
        if (lease.expiresAtMs < nowMs) await this.lapse(ownerId, lease.expiresAtMs);
      }
      this.updateGauges();
    });
    this.checking = run.catch(() => undefined);
    return run;
  }

  private async lapse(ownerId: string, atMs: number): Promise<void> {
    if (!this.leases.delete(ownerId)) return;
    const { state, logger, metrics } = this.options;
    let released = 0;
    let wills = 0;
    for (;;) {
      const r = await state.sessions.releaseOwner(ownerId, atMs);
      released += r.released;
      wills += r.willsPending;
      for (const clientId of r.willClientIds) this.rememberLapsedWill(clientId);
      if (!r.more || this.closed) break;
    }
    const record = state.owners.get(ownerId);
    if (record !== undefined) await state.owners.put({ ...record, lapsedAtMs: atMs });
    this.lapsed.add(ownerId);
    this.forgetOldLapsed();
    metrics?.lapses.inc();
    metrics?.sessionsReleased.inc(released);
    this.updateGauges();
    logger.warn(
      { ownerId, lapsedAtMs: atMs, sessionsReleased: released, willsPending: wills },
      'session owner lease lapsed; its sessions are disconnected',
    );
    if (wills > 0) await this.options.publishDueWills();
  }

  private rememberLapsedWill(clientId: string): void {
    this.lapsedWills.add(clientId);
    // A will cancelled by a reconnect is never appended: keep the set bounded, oldest first out.
    if (this.lapsedWills.size > 100_000) {
      const oldest = this.lapsedWills.values().next().value;
      if (oldest !== undefined) this.lapsedWills.delete(oldest);
    }
  }

  /** Lapsed owners are remembered to answer their renewal; a few thousand is plenty (each is one crash). */
  private forgetOldLapsed(): void {
    while (this.lapsed.size > 4096) {
      const oldest = this.lapsed.values().next().value;
      if (oldest === undefined) break;
      this.lapsed.delete(oldest);
      void this.options.state.owners.remove(oldest).catch(() => undefined);
    }
  }

  private updateGauges(): void {
    this.options.metrics?.leases.set(this.leases.size);
    this.options.metrics?.sessionsConnected.set(this.options.state.sessions.connectedCount());
  }

  /** Stops the timer; waits for a release in progress. */
  async close(): Promise<void> {
    this.closed = true;
    clearInterval(this.timer);
    await this.checking;
  }
}

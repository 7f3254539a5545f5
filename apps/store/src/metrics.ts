import { Counter, Gauge, type Registry } from 'prom-client';
import { FastHistogram } from '@starling/observability';

/** Latency buckets from 50 µs to 10 s: an fsync on a fast disk is ~100 µs, a slow one tens of ms. */
const LATENCY_BUCKETS = [
  0.00005, 0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 10,
];
const BATCH_BUCKETS = [1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 1024, 4096, 16384];

/** Every store metric. Names are `starling_store_<noun>_<unit>[_total]`; labels are bounded (never a topic). */
export function createStoreMetrics(registry: Registry) {
  const registers = [registry];
  return {
    appendLatency: new FastHistogram({
      name: 'starling_store_append_latency_seconds',
      help: 'Time from an append request to its acknowledgement, fsync included under the sync policy.',
      buckets: LATENCY_BUCKETS,
      registers,
    }),
    messagesAppended: new Counter({
      name: 'starling_store_messages_appended_total',
      help: 'Messages appended to the commitlog.',
      registers,
    }),
    bytesAppended: new Counter({
      name: 'starling_store_appended_bytes_total',
      help: 'Record bytes appended to the commitlog (framing included).',
      registers,
    }),
    fsyncs: new Counter({
      name: 'starling_store_fsyncs_total',
      help: 'fdatasync calls on commitlog segments.',
      registers,
    }),
    fsyncDuration: new FastHistogram({
      name: 'starling_store_fsync_duration_seconds',
      help: 'Duration of each commitlog fdatasync.',
      buckets: LATENCY_BUCKETS,
      registers,
    }),
    batchSize: new FastHistogram({
      name: 'starling_store_write_batch_records',
      help: 'Records per commitlog write (group commit batch size).',
      buckets: BATCH_BUCKETS,
      registers,
    }),
    dispatchDuration: new FastHistogram({
      name: 'starling_store_dispatch_duration_seconds',
      help: 'Time from a batch becoming durable to its index entries being readable (arrivals published).',
      buckets: LATENCY_BUCKETS,
      registers,
    }),
    indexCommitDuration: new FastHistogram({
      name: 'starling_store_index_commit_duration_seconds',
      help: 'Time from handing staged index entries to LMDB to their commit (entries are readable before).',
      buckets: LATENCY_BUCKETS,
      registers,
    }),
    indexCommitEntries: new FastHistogram({
      name: 'starling_store_index_commit_entries',
      help: 'Index entries per LMDB commit.',
      buckets: [1, 16, 256, 1024, 4096, 16384, 65536, 262144, 1048576],
      registers,
    }),
    dispatchLagBytes: new Gauge({
      name: 'starling_store_dispatch_lag_bytes',
      help: 'Commitlog bytes that are durable but not yet dispatched into queue indexes.',
      registers,
    }),
    indexEntries: new Counter({
      name: 'starling_store_index_entries_total',
      help: 'Index entries written by dispatch (one per message per queue that reads it).',
      registers,
    }),
    queues: new Gauge({
      name: 'starling_store_queues',
      help: 'Queues on this shard (first-level topic queues and filter queues).',
      registers,
    }),
    filters: new Gauge({
      name: 'starling_store_registered_filters',
      help: 'Subscription filters with at least one holder.',
      registers,
    }),
    segments: new Gauge({
      name: 'starling_store_segments',
      help: 'Commitlog segment files on disk.',
      registers,
    }),
    diskBytes: new Gauge({
      name: 'starling_store_commitlog_bytes',
      help: 'Bytes of commitlog segments on disk.',
      registers,
    }),
    pullLatency: new FastHistogram({
      name: 'starling_store_pull_latency_seconds',
      help: 'Time to serve a pull, excluding any long-poll wait.',
      buckets: LATENCY_BUCKETS,
      registers,
    }),
    messagesPulled: new Counter({
      name: 'starling_store_messages_pulled_total',
      help: 'Messages returned by pulls and consumes.',
      registers,
    }),
    recoveryDuration: new Gauge({
      name: 'starling_store_recovery_duration_seconds',
      help: 'Duration of the last start-up recovery (commitlog scan and index replay).',
      registers,
    }),
    recoveryTruncatedBytes: new Counter({
      name: 'starling_store_recovery_truncated_bytes_total',
      help: 'Bytes of torn or corrupt commitlog tail truncated at recovery.',
      registers,
    }),
    recoveryReplayedRecords: new Counter({
      name: 'starling_store_recovery_replayed_records_total',
      help: 'Commitlog records re-dispatched past the index checkpoint at recovery.',
      registers,
    }),
    uncleanShutdown: new Gauge({
      name: 'starling_store_last_start_unclean',
      help: '1 when the last start found no clean-shutdown marker (crash recovery ran), else 0.',
      registers,
    }),
    retentionMaxBytes: new Gauge({
      name: 'starling_store_retention_max_bytes',
      help: 'Commitlog byte budget retention enforces (STORE_RETENTION_MAX_BYTES; 0: no byte limit).',
      registers,
    }),
    retentionMaxAge: new Gauge({
      name: 'starling_store_retention_max_age_seconds',
      help: 'Age past which retention deletes segments (STORE_RETENTION_MAX_AGE; 0: no age limit).',
      registers,
    }),
    retentionDeletedSegments: new Counter({
      name: 'starling_store_retention_deleted_segments_total',
      help: 'Commitlog segments deleted by retention.',
      registers,
    }),
    retentionDeletedBytes: new Counter({
      name: 'starling_store_retention_deleted_bytes_total',
      help: 'Commitlog bytes deleted by retention.',
      registers,
    }),
    rejected: new Counter({
      name: 'starling_store_requests_rejected_total',
      help: 'Requests refused for bad input or limits, by reason.',
      labelNames: ['reason'] as const,
      registers,
    }),
    appendStreamPauses: new Counter({
      name: 'starling_store_append_stream_pauses_total',
      help: 'Times an AppendStream had as many batches in flight as the store works on at once and was paused.',
      registers,
    }),
    grpcRequests: new Counter({
      name: 'starling_store_grpc_requests_total',
      help: 'gRPC calls served, by method and status code.',
      labelNames: ['method', 'code'] as const,
      registers,
    }),
    arrivalWatchers: new Gauge({
      name: 'starling_store_arrival_watchers',
      help: 'Open WatchArrivals streams.',
      registers,
    }),
    sessions: new Gauge({
      name: 'starling_store_sessions',
      help: 'Persistent sessions stored on this shard.',
      registers,
    }),
    retainedMessages: new Gauge({
      name: 'starling_store_retained_messages',
      help: 'Retained messages stored on this shard.',
      registers,
    }),
    // Session owners' leases (ADR 0013).
    ownerLeases: {
      leases: new Gauge({
        name: 'starling_store_owner_leases',
        help: 'Live session-owner leases on this shard (one per running gateway incarnation).',
        registers,
      }),
      sessionsConnected: new Gauge({
        name: 'starling_store_sessions_connected',
        help: 'Sessions this shard holds connected (their owner live or not yet lapsed).',
        registers,
      }),
      lapses: new Counter({
        name: 'starling_store_owner_lease_lapses_total',
        help: 'Session-owner leases that lapsed (a gateway crashed, restarted, or lost this shard for a lease).',
        registers,
      }),
      sessionsReleased: new Counter({
        name: 'starling_store_lapsed_owner_sessions_released_total',
        help: 'Sessions marked disconnected (clean ones deleted) because their owner lease lapsed.',
        registers,
      }),
      willsPublished: new Counter({
        name: 'starling_store_lapsed_owner_wills_published_total',
        help: 'Wills the store published for sessions whose owner lease lapsed.',
        registers,
      }),
    },
  };
}

export type StoreMetrics = ReturnType<typeof createStoreMetrics>;

export { openCommitlog, Commitlog, COMMITLOG_DEFAULTS } from './commitlog';
export { CommitlogError, type CommitlogErrorCode } from './errors';
export {
  encodeRecord,
  encodeRecordInto,
  decodeRecord,
  recordSize,
  RECORD_MAGIC_V1,
  RECORD_OVERHEAD_BYTES,
  MAX_TOPIC_BYTES,
  type RecordInput,
  type LogRecord,
  type DecodeResult,
  type DecodeOptions,
  type Qos,
} from './record-codec';
export { segmentFileName, parseSegmentFileName, type SegmentInfo } from './segment';
export { OPEN_MARKER_FILE, CLEAN_CHECKPOINT_FILE } from './recovery';
export type {
  AppendResult,
  CommitlogLogger,
  CommitlogMetrics,
  CommitlogOptions,
  DurableBatch,
  DurableListener,
  FsyncPolicy,
  ReadFromResult,
  ReadResult,
  RecoveryReport,
  RetentionPolicy,
  RetentionResult,
  StoredRecord,
} from './types';

import * as fs from 'node:fs';
import * as path from 'node:path';
import { ioError } from './errors';
import * as io from './fs-io';

/** Segment files are named by the position of their first byte, zero-padded to 20 digits (Kafka's scheme). */
export const SEGMENT_NAME_DIGITS = 20;
export const SEGMENT_SUFFIX = '.log';
const SEGMENT_NAME = /^(\d{20})\.log$/;
/** Source of the zeros written ahead of the active segment's end. */
const ZEROS = Buffer.alloc(1024 * 1024);

export function segmentFileName(basePosition: number): string {
  return `${String(basePosition).padStart(SEGMENT_NAME_DIGITS, '0')}${SEGMENT_SUFFIX}`;
}

/** The base position a file name encodes, or undefined when the name does not follow the scheme. */
export function parseSegmentFileName(name: string): number | undefined {
  const match = SEGMENT_NAME.exec(name);
  if (match === null) return undefined;
  const base = Number(match[1]);
  return Number.isSafeInteger(base) ? base : undefined;
}

export interface SegmentInfo {
  /** Position of the segment's first byte; also its file name. */
  readonly basePosition: number;
  readonly sizeBytes: number;
  /** Position just past the segment's last byte. */
  readonly endPosition: number;
  /** File mtime at open, or the time of the last write made by this process. */
  readonly lastModifiedMs: number;
  readonly active: boolean;
}

/**
 * One segment file. It owns a descriptor, opened lazily for sealed segments (reads only) and
 * eagerly for the active one. Positional I/O only, so reads and the writer never share a cursor.
 */
export class Segment {
  readonly file: string;
  private fdPromise: Promise<number> | undefined;
  /** The descriptor once opened for appending (create / openForAppend): `writeSync` needs it at hand. */
  private appendFd: number | undefined;
  private readers = 0;
  private deleted = false;
  /**
   * End of the zero-filled, durable bytes past `sizeBytes` (the runway: see `Commitlog`), or `sizeBytes` when
   * there are none. Data written below it overwrites allocated blocks, so an O_DSYNC write changes no metadata.
   */
  zeroedEnd: number;

  private constructor(
    dir: string,
    readonly basePosition: number,
    /** Bytes written to the file (in `sync` mode, possibly not yet fdatasync'ed). */
    public sizeBytes: number,
    public lastModifiedMs: number,
  ) {
    this.file = path.join(dir, segmentFileName(basePosition));
    this.zeroedEnd = sizeBytes;
  }

  get endPosition(): number {
    return this.basePosition + this.sizeBytes;
  }

  /**
   * Creates a new, empty segment file; fails if it exists (a name is never reused). With
   * `dataSync`, the descriptor is O_DSYNC: see `openForAppend`.
   */
  static async create(dir: string, basePosition: number, dataSync: boolean): Promise<Segment> {
    const segment = new Segment(dir, basePosition, 0, Date.now());
    const { O_RDWR, O_CREAT, O_EXCL, O_DSYNC } = fs.constants;
    try {
      const fd = await io.open(segment.file, O_RDWR | O_CREAT | O_EXCL | (dataSync ? O_DSYNC : 0));
      segment.appendFd = fd;
      segment.fdPromise = Promise.resolve(fd);
    } catch (err) {
      throw ioError(`cannot create segment ${segment.file}`, err);
    }
    return segment;
  }

  /** A segment found on disk; its descriptor is opened on first use. */
  static existing(dir: string, basePosition: number, sizeBytes: number, lastModifiedMs: number): Segment {
    return new Segment(dir, basePosition, sizeBytes, lastModifiedMs);
  }

  /**
   * Reopens the descriptor for appending. With `dataSync` it is O_DSYNC: each write returns once
   * its data (and the file size) is on stable storage — an fdatasync folded into the write, which
   * saves the sync mode one thread-pool round trip per batch.
   */
  async openForAppend(dataSync: boolean): Promise<void> {
    await this.close();
    const { O_RDWR, O_DSYNC } = fs.constants;
    try {
      const fd = await io.open(this.file, O_RDWR | (dataSync ? O_DSYNC : 0));
      this.appendFd = fd;
      this.fdPromise = Promise.resolve(fd);
    } catch (err) {
      throw ioError(`cannot open segment ${this.file}`, err);
    }
  }

  fd(): Promise<number> {
    this.fdPromise ??= io.open(this.file, 'r+').catch((err: unknown) => {
      this.fdPromise = undefined;
      throw ioError(`cannot open segment ${this.file}`, err);
    });
    return this.fdPromise;
  }

  /** Reads up to `length` bytes at `offset` within the segment (shorter at the end of the file). */
  async read(offset: number, length: number): Promise<Buffer> {
    this.readers++;
    try {
      const fd = await this.fd();
      return await io.readAt(fd, length, offset);
    } catch (err) {
      throw ioError(`cannot read segment ${this.file} at ${offset}`, err);
    } finally {
      this.readers--;
      if (this.deleted && this.readers === 0) this.closeQuietly();
    }
  }

  async write(buffers: Buffer[], offset: number): Promise<void> {
    const fd = await this.fd();
    await io.writevAll(fd, buffers, offset);
  }

  /** `write` on the calling thread; only for a segment opened for appending (`create`, `openForAppend`). */
  writeSync(buffers: Buffer[], offset: number): void {
    if (this.appendFd === undefined) throw new Error(`segment ${this.file} is not open for appending`);
    io.writevAllSync(this.appendFd, buffers, offset);
  }

  async datasync(): Promise<void> {
    if (this.fdPromise === undefined) return; // never opened by this process: nothing of ours to flush
    await io.fdatasync(await this.fdPromise);
  }

  /**
   * Writes zeros over [from, to) (durable when it returns on an O_DSYNC descriptor), one `chunkBytes`
   * write at a time: an append's O_DSYNC write that reaches the disk meanwhile waits behind one chunk, not
   * behind the whole fill (ADR 0023).
   */
  async writeZeros(from: number, to: number, chunkBytes = ZEROS.length): Promise<void> {
    const chunk = Math.max(1, Math.min(chunkBytes, ZEROS.length));
    for (let at = from; at < to; at += chunk)
      await this.write([ZEROS.subarray(0, Math.min(chunk, to - at))], at);
  }

  async truncate(sizeBytes: number): Promise<void> {
    const fd = await this.fd();
    try {
      await io.ftruncate(fd, sizeBytes);
      await io.fsync(fd);
    } catch (err) {
      throw ioError(`cannot truncate segment ${this.file} to ${sizeBytes}`, err);
    }
    this.sizeBytes = sizeBytes;
    this.zeroedEnd = sizeBytes;
  }

  info(active: boolean): SegmentInfo {
    return {
      basePosition: this.basePosition,
      sizeBytes: this.sizeBytes,
      endPosition: this.endPosition,
      lastModifiedMs: this.lastModifiedMs,
      active,
    };
  }

  async close(): Promise<void> {
    const fdPromise = this.fdPromise;
    this.fdPromise = undefined;
    this.appendFd = undefined;
    if (fdPromise === undefined) return;
    try {
      await io.close(await fdPromise);
    } catch (err) {
      throw ioError(`cannot close segment ${this.file}`, err);
    }
  }

  /** Unlinks the file. Reads in flight keep working on the open descriptor, which closes after them. */
  async delete(): Promise<void> {
    this.deleted = true;
    try {
      await fs.promises.unlink(this.file);
    } catch (err) {
      throw ioError(`cannot delete segment ${this.file}`, err);
    }
    if (this.readers === 0) this.closeQuietly();
  }

  private closeQuietly(): void {
    // The file is already unlinked; a failed close leaks nothing durable.
    this.close().catch(() => undefined);
  }
}

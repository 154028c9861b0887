// One segment file of a partition: `<base offset, 20 digits>.log`, holding consecutive records from
// that offset on (format: record-format.ts). `size` is the number of bytes known to be durable and
// whole; readers never look past it, so bytes of a write that is still being fsync'd stay invisible.
// Reading is positional, in chunks: memory is bounded by the chunk (or one record), not the file.
import { type FileHandle, open, unlink } from "node:fs/promises";
import path from "node:path";
import { fsyncDir } from "./durable-fs.ts";
import { decodeRecord, type StoredRecord } from "./record-format.ts";

const SUFFIX = ".log";
const READ_CHUNK_BYTES = 1024 * 1024;

export function segmentFileName(baseOffset: number): string {
  return `${String(baseOffset).padStart(20, "0")}${SUFFIX}`;
}

/** The base offset a segment file name stands for, or undefined for any other file. */
export function parseSegmentFileName(name: string): number | undefined {
  return /^\d{20}\.log$/.test(name) ? Number(name.slice(0, 20)) : undefined;
}

/** The bytes at `position` are not a whole, valid record (torn write or corruption). */
export class TornRecordError extends Error {
  readonly position: number;
  constructor(file: string, position: number, reason: string) {
    super(`${file} at byte ${position}: ${reason}`);
    this.name = "TornRecordError";
    this.position = position;
  }
}

export interface ScannedRecord {
  record: StoredRecord;
  /** File position just after the record. */
  next: number;
}

export class Segment {
  readonly baseOffset: number;
  readonly path: string;
  /** Durable, whole bytes: the end of the last acknowledged record. */
  size: number;
  #handle: Promise<FileHandle> | undefined;

  constructor(dir: string, baseOffset: number, size: number, handle?: FileHandle) {
    this.baseOffset = baseOffset;
    this.path = path.join(dir, segmentFileName(baseOffset));
    this.size = size;
    this.#handle = handle && Promise.resolve(handle);
  }

  /** Creates an empty segment file and makes its directory entry durable. Any leftover file of that name held only unacknowledged bytes. */
  static async create(dir: string, baseOffset: number): Promise<Segment> {
    const segment = new Segment(dir, baseOffset, 0, await open(path.join(dir, segmentFileName(baseOffset)), "w+"));
    try {
      await fsyncDir(dir);
    } catch (error) {
      await segment.close();
      throw error;
    }
    return segment;
  }

  async read(position: number, length: number): Promise<Buffer> {
    const handle = await this.#open();
    const buffer = Buffer.allocUnsafe(length);
    for (let filled = 0; filled < length; ) {
      const { bytesRead } = await handle.read(buffer, filled, length - filled, position + filled);
      if (bytesRead === 0) throw new Error(`${this.path}: file ends at ${position + filled}, expected ${position + length} bytes`);
      filled += bytesRead;
    }
    return buffer;
  }

  /** Writes `data` at `position` and fsyncs; does not move `size` (the caller does, once it counts the bytes as acknowledged). */
  async writeDurably(data: Buffer, position: number): Promise<void> {
    const handle = await this.#open();
    for (let written = 0; written < data.length; ) {
      const { bytesWritten } = await handle.write(data, written, data.length - written, position + written);
      written += bytesWritten;
    }
    await handle.datasync();
  }

  /** Cuts the file back to `length` bytes, durably. */
  async truncate(length: number): Promise<void> {
    const handle = await this.#open();
    await handle.truncate(length);
    await handle.datasync();
  }

  /**
   * Yields the records in [from, end) one by one, reading ahead at most one chunk (or one record).
   * Throws TornRecordError at the first bytes that are not a whole, valid record.
   */
  async *records(from: number, end: number): AsyncGenerator<ScannedRecord> {
    let position = from;
    let wanted = READ_CHUNK_BYTES;
    while (position < end) {
      const chunk = await this.read(position, Math.min(Math.max(wanted, READ_CHUNK_BYTES), end - position));
      let at = 0;
      wanted = READ_CHUNK_BYTES;
      for (;;) {
        const decoded = decodeRecord(chunk, at);
        if (decoded.status === "ok") {
          yield { record: decoded.record, next: position + decoded.next };
          at = decoded.next;
          continue;
        }
        if (decoded.status === "corrupt") throw new TornRecordError(this.path, position + at, decoded.reason);
        if (position + at + decoded.needed > end) {
          if (position + at === end) break;
          throw new TornRecordError(this.path, position + at, `record of ${decoded.needed} bytes runs past the end (${end})`);
        }
        wanted = decoded.needed;
        break;
      }
      position += at;
    }
  }

  async close(): Promise<void> {
    const handle = this.#handle;
    this.#handle = undefined;
    if (handle) await (await handle).close();
  }

  /** Closes and removes the file; the caller fsyncs the directory. */
  async delete(): Promise<void> {
    await this.close();
    await unlink(this.path);
  }

  #open(): Promise<FileHandle> {
    this.#handle ??= open(this.path, "r+");
    return this.#handle;
  }
}

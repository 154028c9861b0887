// One partition: a directory of segments (segment.ts) with consecutive offsets; the last one is
// active and takes appends. Invariants:
//  - group commit: appends queue up while one write+fsync is in flight; the next round takes the whole
//    queue (up to ROUND_MAX_BYTES and the room left in the segment) into ONE write and ONE fsync;
//  - an append is acknowledged, and becomes visible to readers (endOffset, segment size), only after
//    its fsync returned; a failed write is cut off again, so readers never see it and offsets stay
//    consecutive (the failed records' offsets go to the next records; nobody was told about them);
//  - a segment never grows past segmentBytes unless a single record is larger; rolling creates the
//    next file (named by the next offset) and fsyncs the directory before writing into it;
//  - on open only the last segment can hold a torn tail (older ones were fsync'd before the roll):
//    it is scanned and cut back to its last valid record;
//  - the newest durable records (up to recentBytes) are also kept in memory, as they were produced, so
//    readers that keep up get them without a disk read, a CRC check and a decode. Their values are the
//    producers' buffers, shared by every reader (and, when a producer sends one buffer to several
//    topics, as the router does, by every topic): a local fan-out then carries one copy of each span,
//    and consumers can recognise a value they have already parsed. Values are read-only (types.ts).
import { readdir, stat } from "node:fs/promises";
import type { BusRecord } from "../types.ts";
import { BusUnavailableError } from "../types.ts";
import { fsyncDir, mkdirDurably } from "./durable-fs.ts";
import type { BusLogger } from "./logger.ts";
import { type PreparedRecord, writeRecord } from "./record-format.ts";
import { parseSegmentFileName, Segment, TornRecordError } from "./segment.ts";

const ROUND_MAX_BYTES = 8 * 1024 * 1024;

/** Where a reader is: the next offset and the byte position of that record in its segment. */
export interface Cursor {
  offset: number;
  segmentBase: number;
  position: number;
}

export interface SegmentInfo {
  baseOffset: number;
  /** First offset after the segment (the next segment's base). */
  nextOffset: number;
  bytes: number;
  path: string;
}

interface PendingRecord {
  record: PreparedRecord;
  ticket: AppendTicket;
}

/** A durable record kept in memory, with where it ends on disk (to hand out a cursor past it). */
interface RecentRecord {
  record: BusRecord;
  segmentBase: number;
  next: number;
  size: number;
}

/** One append() call: settles once all its records are durable, or at the first failure (a promise settles once). */
class AppendTicket {
  #remaining: number;
  readonly #resolve: () => void;
  readonly #reject: (error: Error) => void;

  constructor(count: number, resolve: () => void, reject: (error: Error) => void) {
    this.#remaining = count;
    this.#resolve = resolve;
    this.#reject = reject;
  }

  written(): void {
    if (--this.#remaining === 0) this.#resolve();
  }

  failed(error: Error): void {
    this.#reject(error);
  }
}

export class PartitionLog {
  readonly topic: string;
  readonly partition: number;
  readonly #dir: string;
  readonly #segmentBytes: number;
  readonly #segments: Segment[];
  readonly #recentBytes: number;
  /** recent[head..] holds offsets [endOffset - (recent.length - head), endOffset). */
  #recent: RecentRecord[] = [];
  #recentHead = 0;
  #recentSize = 0;
  #endOffset: number;
  #queue: PendingRecord[] = [];
  #round: Promise<void> | undefined;
  #waiters = new Set<() => void>();
  #closed = false;
  /** Set when a failed write could not be undone: the file's tail is unknown, so no more appends. */
  #broken: Error | undefined;

  private constructor(dir: string, topic: string, partition: number, segmentBytes: number, recentBytes: number, segments: Segment[], endOffset: number) {
    this.#dir = dir;
    this.#recentBytes = recentBytes;
    this.topic = topic;
    this.partition = partition;
    this.#segmentBytes = segmentBytes;
    this.#segments = segments;
    this.#endOffset = endOffset;
  }

  static async open(dir: string, topic: string, partition: number, segmentBytes: number, logger: BusLogger, recentBytes = 0): Promise<PartitionLog> {
    await mkdirDurably(dir);
    const bases = (await readdir(dir))
      .map(parseSegmentFileName)
      .filter((base) => base !== undefined)
      .sort((a, b) => a - b);
    const segments: Segment[] = [];
    for (const base of bases) {
      const segment = new Segment(dir, base, 0);
      segment.size = (await stat(segment.path)).size;
      segments.push(segment);
    }
    if (segments.length === 0) segments.push(await Segment.create(dir, 0));
    const endOffset = await recoverTail(segments.at(-1)!, logger, { topic, partition });
    return new PartitionLog(dir, topic, partition, segmentBytes, recentBytes, segments, endOffset);
  }

  /** First offset still on disk. */
  get startOffset(): number {
    return this.#segments[0].baseOffset;
  }

  /** Offset the next record will get; every offset below it is durable. */
  get endOffset(): number {
    return this.#endOffset;
  }

  /** Queues records for the next group commit; resolves once they are all fsync'd. */
  append(records: PreparedRecord[]): Promise<void> {
    const refusal = this.#broken ?? (this.#closed ? new BusUnavailableError(`partition ${this.#name} is closed`) : undefined);
    if (refusal) return Promise.reject(refusal);
    return new Promise((resolve, reject) => {
      const ticket = new AppendTicket(records.length, resolve, reject);
      for (const record of records) this.#queue.push({ record, ticket });
      this.#startRound();
    });
  }

  /** Reads up to maxRecords (and about maxBytes) durable records from the cursor on; an empty result means caught up. */
  async read(cursor: Cursor, maxRecords: number, maxBytes: number): Promise<{ records: BusRecord[]; next: Cursor }> {
    const fromMemory = this.#readRecent(cursor, maxRecords, maxBytes);
    if (fromMemory) return fromMemory;
    let segment = this.#segmentByBase(cursor.segmentBase);
    let position = cursor.position;
    for (let i = this.#segments.indexOf(segment); position >= segment.size && i + 1 < this.#segments.length; i++) {
      segment = this.#segments[i + 1];
      position = 0;
    }
    const records: BusRecord[] = [];
    let bytes = 0;
    for await (const { record, next } of segment.records(position, segment.size)) {
      const expected = cursor.offset + records.length;
      if (record.offset !== expected) throw new Error(`${segment.path}: found offset ${record.offset} where ${expected} belongs`);
      records.push({ topic: this.topic, partition: this.partition, ...record });
      bytes += next - position;
      position = next;
      if (records.length >= maxRecords || bytes >= maxBytes) break;
    }
    return { records, next: { offset: cursor.offset + records.length, segmentBase: segment.baseOffset, position } };
  }

  /** The read from the in-memory window, if the cursor is in it. Each reader gets its own record objects. */
  #readRecent(cursor: Cursor, maxRecords: number, maxBytes: number): { records: BusRecord[]; next: Cursor } | undefined {
    const held = this.#recent.length - this.#recentHead;
    const first = this.#endOffset - held;
    if (held === 0 || cursor.offset < first || cursor.offset >= this.#endOffset) return undefined;
    const records: BusRecord[] = [];
    let bytes = 0;
    let last: RecentRecord | undefined;
    for (let i = this.#recentHead + (cursor.offset - first); i < this.#recent.length && records.length < maxRecords && bytes < maxBytes; i++) {
      last = this.#recent[i];
      records.push({ ...last.record, headers: { ...last.record.headers } });
      bytes += last.size;
    }
    if (!last) return undefined;
    return { records, next: { offset: cursor.offset + records.length, segmentBase: last.segmentBase, position: last.next } };
  }

  #remember(round: PendingRecord[], segment: Segment, firstOffset: number, timestamp: number): void {
    if (this.#recentBytes <= 0) return;
    let position = segment.size;
    let offset = firstOffset;
    for (const { record } of round) {
      position += record.size;
      this.#recent.push({
        record: { topic: this.topic, partition: this.partition, offset: offset++, key: record.keyText, value: record.value, timestamp, headers: record.headerMap },
        segmentBase: segment.baseOffset,
        next: position,
        size: record.size,
      });
      this.#recentSize += record.size;
    }
    while (this.#recentSize > this.#recentBytes && this.#recentHead < this.#recent.length) this.#recentSize -= this.#recent[this.#recentHead++].size;
    if (this.#recentHead > 1024 && this.#recentHead * 2 > this.#recent.length) {
      this.#recent = this.#recent.slice(this.#recentHead);
      this.#recentHead = 0;
    }
  }

  /** A cursor at `offset`, which must lie in [startOffset, endOffset]. Scans its segment from the start (there is no offset index). */
  async cursorAt(offset: number): Promise<Cursor> {
    if (offset < this.startOffset || offset > this.#endOffset) throw new RangeError(`offset ${offset} is outside ${this.#name} [${this.startOffset}, ${this.#endOffset}]`);
    const segment = this.#segments.findLast((s) => s.baseOffset <= offset)!;
    let position = 0;
    let current = segment.baseOffset;
    if (current < offset) {
      for await (const { next } of segment.records(0, segment.size)) {
        position = next;
        if (++current === offset) break;
      }
    }
    return { offset, segmentBase: segment.baseOffset, position };
  }

  /** Resolves once a record at `offset` or later is durable, or when the signal aborts or the log closes. */
  waitForAppend(offset: number, signal: AbortSignal): Promise<void> {
    if (this.#endOffset > offset || signal.aborted || this.#closed) return Promise.resolve();
    return new Promise((resolve) => {
      const wake = () => {
        this.#waiters.delete(wake);
        signal.removeEventListener("abort", wake);
        resolve();
      };
      this.#waiters.add(wake);
      signal.addEventListener("abort", wake);
    });
  }

  /** Segments no longer written to, oldest first (the active segment is never among them). */
  sealedSegments(): SegmentInfo[] {
    return this.#segments.slice(0, -1).map((segment, i) => ({
      baseOffset: segment.baseOffset,
      nextOffset: this.#segments[i + 1].baseOffset,
      bytes: segment.size,
      path: segment.path,
    }));
  }

  get sizeBytes(): number {
    return this.#segments.reduce((sum, segment) => sum + segment.size, 0);
  }

  /** Removes the `count` oldest segments (never the active one). */
  async deleteOldestSegments(count: number): Promise<void> {
    const doomed = this.#segments.splice(0, Math.min(count, this.#segments.length - 1));
    // forget remembered records of deleted segments (only possible with a window wider than a segment)
    const start = this.startOffset;
    while (this.#recentHead < this.#recent.length && this.#recent[this.#recentHead].record.offset < start) this.#recentSize -= this.#recent[this.#recentHead++].size;
    for (const segment of doomed) await segment.delete();
    if (doomed.length > 0) await fsyncDir(this.#dir);
  }

  /** Refuses new appends, waits until every queued record is written, wakes readers, closes the files. */
  async close(): Promise<void> {
    this.#closed = true;
    while (this.#round) await this.#round;
    this.#recent = [];
    this.#recentHead = 0;
    this.#recentSize = 0;
    for (const wake of [...this.#waiters]) wake();
    for (const segment of this.#segments) await segment.close();
  }

  get #name(): string {
    return `${this.topic}/${this.partition}`;
  }

  #segmentByBase(base: number): Segment {
    const segment = this.#segments.find((s) => s.baseOffset === base);
    if (!segment) throw new Error(`${this.#name}: segment ${base} was deleted by retention`);
    return segment;
  }

  #startRound(): void {
    if (this.#round || this.#queue.length === 0) return;
    this.#round = this.#writeRound().then(() => {
      this.#round = undefined;
      this.#startRound();
    });
  }

  /** One group commit. Never rejects: failures reject the tickets of the records in the round. */
  async #writeRound(): Promise<void> {
    const active = this.#segments.at(-1)!;
    const mustRoll = active.size > 0 && active.size + this.#queue[0].record.size > this.#segmentBytes;
    const round = this.#takeRound(Math.min(ROUND_MAX_BYTES, this.#segmentBytes - (mustRoll ? 0 : active.size)));
    if (this.#broken) return this.#fail(round, this.#broken);
    try {
      const segment = mustRoll ? await this.#roll() : active;
      await this.#writeDurably(segment, round);
    } catch (cause) {
      this.#fail(round, cause instanceof BusUnavailableError ? cause : new BusUnavailableError(`write to ${this.#name} failed: ${String(cause)}`, { cause }));
    }
  }

  /** Takes queued records up to `room` bytes, at least one. */
  #takeRound(room: number): PendingRecord[] {
    let bytes = this.#queue[0].record.size;
    let count = 1;
    while (count < this.#queue.length && bytes + this.#queue[count].record.size <= room) bytes += this.#queue[count++].record.size;
    return this.#queue.splice(0, count);
  }

  async #roll(): Promise<Segment> {
    const segment = await Segment.create(this.#dir, this.#endOffset);
    this.#segments.push(segment);
    return segment;
  }

  async #writeDurably(segment: Segment, round: PendingRecord[]): Promise<void> {
    const buffer = Buffer.allocUnsafe(round.reduce((sum, item) => sum + item.record.size, 0));
    const timestamp = Date.now();
    let at = 0;
    let offset = this.#endOffset;
    for (const { record } of round) at = writeRecord(buffer, at, record, offset++, timestamp);
    try {
      await segment.writeDurably(buffer, segment.size);
    } catch (error) {
      await this.#undoPartialWrite(segment);
      throw error;
    }
    this.#remember(round, segment, this.#endOffset, timestamp);
    segment.size += buffer.length;
    this.#endOffset = offset;
    for (const wake of [...this.#waiters]) wake();
    for (const { ticket } of round) ticket.written();
  }

  async #undoPartialWrite(segment: Segment): Promise<void> {
    try {
      await segment.truncate(segment.size);
    } catch (cause) {
      this.#broken = new BusUnavailableError(`partition ${this.#name} cannot be written after a failed write; restart the process`, { cause });
    }
  }

  #fail(round: PendingRecord[], error: Error): void {
    for (const { ticket } of round) ticket.failed(error);
  }
}

/** Scans the last segment, cuts a torn or corrupt tail, and returns the end offset. */
async function recoverTail(segment: Segment, logger: BusLogger, where: { topic: string; partition: number }): Promise<number> {
  let offset = segment.baseOffset;
  let valid = 0;
  try {
    for await (const { record, next } of segment.records(0, segment.size)) {
      if (record.offset !== offset) throw new TornRecordError(segment.path, valid, `offset ${record.offset} where ${offset} belongs`);
      offset++;
      valid = next;
    }
  } catch (error) {
    if (!(error instanceof TornRecordError)) throw error;
    logger.warn({ ...where, file: segment.path, droppedBytes: segment.size - valid, reason: error.message }, "bus: truncating torn tail of segment");
    await segment.truncate(valid);
    segment.size = valid;
  }
  return offset;
}

// The embedded bus: a Kafka-like durable log on local disk for single-node deployments.
//
// LAYOUT (under `dir`)
//   offsets.json                      committed offsets of every group (offset-store.ts)
//   topics/<topic>/topic.json         {"partitions": N}, fixed at creation (topic.ts)
//   topics/<topic>/<p>/<base>.log     segments of partition p, named by their first offset, 20 digits
// A key goes to partition murmur2(key) mod N, as Kafka's default partitioner does (partitioner.ts).
//
// RECORD FORMAT (record-format.ts): u32 body length, u32 CRC-32 of the body, then the body: format
// version, u64 offset, u64 append timestamp, key, value and headers, each with a length prefix.
// The CRC covers everything a reader trusts; bodies are at most 16 MiB, larger lengths are corruption.
//
// DURABILITY. produce() resolves only after the records were written AND fsync'd. Appends to a
// partition are group-committed: calls that arrive while a write+fsync is in flight are coalesced into
// the next single write+fsync (partition-log.ts). Consumers only ever see fsync'd records, so a
// committed offset never points past what survives a crash. New segment files, renames and deletions
// are followed by an fsync of their directory.
//
// RECOVERY. On open, the last segment of every partition is scanned: the first record whose length
// is impossible, runs past the end of the file, fails its CRC or carries the wrong offset starts the
// torn tail, which is truncated and logged (warn, with droppedBytes). Only unacknowledged bytes can be
// there: everything acknowledged was fsync'd before the acknowledgement, and older segments were
// complete before the next one was created. offsets.json is replaced atomically, so it is either the
// old or the new version.
//
// CONSUMER GROUPS (group-consumer.ts). A group's committed offset per partition is the next offset it
// will get. A batch holds records of one partition in offset order; a partition has at most one batch
// in flight; partitions are consumed concurrently; the offset is committed (durably) after the
// handler resolved; a throwing handler gets the same batch again after a backoff. A new group starts
// at the earliest available offset, or at the end with `start: "latest"`; that starting point is
// committed when consume() resolves. ONE consumer per group per bus: a second consume() of a group
// that is being consumed rejects ("already being consumed"), and so does seek() for that group.
// lag() reports a group without commits at the earliest available offset; lag() and seek() reject
// for a topic that does not exist, while produce() and consume() create it with the default count.
//
// RETENTION (retention.ts). Every retentionCheckMs, whole sealed segments are deleted, oldest first,
// when older than retentionMs (file modification time) or while the partition stays at or above
// retentionBytes without them, but never a segment that a known group (one with a committed offset on
// the topic) has not committed past: an abandoned group holds retention back until it is moved with
// seek(). enforceRetention() runs it on demand and reports, per partition, which groups hold it back
// (also logged at warn).
//
// BACKPRESSURE. Records accepted but not yet durable are capped at maxPendingBytes; beyond that
// produce() rejects with BusUnavailableError (ingest answers 503). Consumers hold at most one batch
// (maxBatch records, about maxBatchBytes) per partition in memory. Reads are positional, in chunks,
// except for the newest recentBytes of each partition, which readers get from memory (partition-log.ts).
// A produced Buffer value and headers object may be kept and handed to readers (headers copied per
// reader): neither may change after produce().
//
// LIMITS. One process per directory: opening the same directory twice in one process is refused, but
// nothing stops a second PROCESS, which would corrupt the log. Starting a consumer in the middle of a
// segment scans that segment from its start (no offset index): at most segmentBytes of reading per
// partition per consume(). Opening scans each partition's last segment. Timestamps come from the
// wall clock and are not forced monotonic. The partition count of a topic never changes. A record
// body is at most 16 MiB; produce() rejects larger ones with RangeError. A record corrupted in the
// middle of the log (disk bit rot) stalls its partition's consumers, who retry and log. maxBatch
// defaults to 500 records.
import { type DirLock, lockDir } from "./dir-lock.ts";
import { stat } from "node:fs/promises";
import path from "node:path";
import type { Bus, ConsumeOptions, Consumer, PartitionLag, ProduceMessage } from "../types.ts";
import { BusUnavailableError } from "../types.ts";
import { mkdirDurably } from "./durable-fs.ts";
import { type Assignment, GroupConsumer } from "./group-consumer.ts";
import { type BusLogger, silentLogger } from "./logger.ts";
import { OffsetStore } from "./offset-store.ts";
import { partitionForKey } from "./partitioner.ts";
import { type PreparedRecord, prepareRecord } from "./record-format.ts";
import { planRetention } from "./retention.ts";
import { listTopics, openTopic, type Topic } from "./topic.ts";

const MiB = 1024 * 1024;
const DEFAULT_MAX_BATCH = 500;

export interface EmbeddedBusOptions {
  /** Directory of the log. One process at a time. */
  dir: string;
  /** Partitions of a topic created without an explicit count. Default 4. */
  partitions?: number;
  /** Size at which the active segment is sealed and a new one started. Default 64 MiB. */
  segmentBytes?: number;
  /** Delete sealed segments last written longer ago than this. Default: keep. */
  retentionMs?: number;
  /** Delete old sealed segments while a partition stays at or above this many bytes without them. Default: keep. */
  retentionBytes?: number;
  /** How often retention runs when a limit is set. Default 60 s. */
  retentionCheckMs?: number;
  /** Accepted-but-not-yet-durable bytes above which produce() rejects with BusUnavailableError. Default 256 MiB. */
  maxPendingBytes?: number;
  /** About the most bytes in one batch handed to a handler (a batch always has at least one record). Default 4 MiB. */
  maxBatchBytes?: number;
  /** Newest records kept in memory per partition for readers that keep up (0: always read from disk). Default 4 MiB. */
  recentBytes?: number;
  logger?: BusLogger;
}

export interface RetentionReport {
  topic: string;
  partition: number;
  /** First offset still on disk after this run. */
  startOffset: number;
  deletedSegments: number;
  /** Groups whose committed offset keeps an expired segment on disk. */
  heldBackBy: string[];
}

export interface EmbeddedBus extends Bus {
  readonly kind: "embedded";
  /** Runs retention now (it also runs every retentionCheckMs); reports per partition what was deleted and who holds it back. */
  enforceRetention(): Promise<RetentionReport[]>;
}

interface Settings {
  partitions: number;
  segmentBytes: number;
  retentionMs?: number;
  retentionBytes?: number;
  retentionCheckMs: number;
  maxPendingBytes: number;
  maxBatchBytes: number;
  recentBytes: number;
  logger: BusLogger;
}

const openDirs = new Set<string>();

export async function createEmbeddedBus(options: EmbeddedBusOptions): Promise<EmbeddedBus> {
  const dir = path.resolve(options.dir);
  const settings: Settings = {
    partitions: positiveInteger("partitions", options.partitions ?? 4),
    segmentBytes: positiveInteger("segmentBytes", options.segmentBytes ?? 64 * MiB),
    retentionMs: options.retentionMs === undefined ? undefined : positiveInteger("retentionMs", options.retentionMs),
    retentionBytes: options.retentionBytes === undefined ? undefined : positiveInteger("retentionBytes", options.retentionBytes),
    retentionCheckMs: positiveInteger("retentionCheckMs", options.retentionCheckMs ?? 60_000),
    maxPendingBytes: positiveInteger("maxPendingBytes", options.maxPendingBytes ?? 256 * MiB),
    maxBatchBytes: positiveInteger("maxBatchBytes", options.maxBatchBytes ?? 4 * MiB),
    recentBytes: options.recentBytes === 0 ? 0 : positiveInteger("recentBytes", options.recentBytes ?? 4 * MiB),
    logger: options.logger ?? silentLogger,
  };
  if (openDirs.has(dir)) throw new Error(`embedded bus at ${dir} is already open in this process`);
  openDirs.add(dir);
  let lock: DirLock | undefined;
  try {
    const topicsDir = path.join(dir, "topics");
    await mkdirDurably(topicsDir);
    lock = await lockDir(dir);
    const offsets = await OffsetStore.open(dir);
    const topics = new Map<string, Promise<Topic>>();
    for (const name of await listTopics(topicsDir)) {
      const topic = await openTopic(topicsDir, name, settings.partitions, settings);
      topics.set(name, Promise.resolve(topic));
    }
    return new EmbeddedLogBus(dir, settings, offsets, topics, lock);
  } catch (error) {
    await lock?.release();
    openDirs.delete(dir);
    throw error;
  }
}

class EmbeddedLogBus implements EmbeddedBus {
  readonly kind = "embedded" as const;
  readonly #dir: string;
  readonly #settings: Settings;
  readonly #offsets: OffsetStore;
  readonly #topics: Map<string, Promise<Topic>>;
  /** Groups with a consumer running or starting. */
  readonly #busyGroups = new Set<string>();
  readonly #consumers = new Set<GroupConsumer>();
  #pendingBytes = 0;
  #retentionChain: Promise<unknown> = Promise.resolve();
  #retentionTimer: NodeJS.Timeout | undefined;
  #closing: Promise<void> | undefined;

  readonly #lock: DirLock;

  constructor(dir: string, settings: Settings, offsets: OffsetStore, topics: Map<string, Promise<Topic>>, lock: DirLock) {
    this.#dir = dir;
    this.#lock = lock;
    this.#settings = settings;
    this.#offsets = offsets;
    this.#topics = topics;
    if (settings.retentionMs !== undefined || settings.retentionBytes !== undefined) {
      this.#retentionTimer = setInterval(() => {
        this.enforceRetention().catch((error: unknown) => settings.logger.error({ err: error }, "bus: retention run failed"));
      }, settings.retentionCheckMs).unref();
    }
  }

  async ensureTopics(topics: Array<{ name: string; partitions?: number }>): Promise<void> {
    this.#assertOpen();
    for (const { name, partitions } of topics) {
      const topic = await this.#topic(name, partitions);
      if (partitions !== undefined && partitions !== topic.partitions.length) {
        this.#settings.logger.warn({ topic: name, partitions: topic.partitions.length, requested: partitions }, "bus: topic exists with another partition count; keeping it");
      }
    }
  }

  async produce(topicName: string, messages: ProduceMessage[]): Promise<void> {
    this.#assertOpen();
    const records = messages.map(prepareRecord);
    const bytes = records.reduce((sum, record) => sum + record.size, 0);
    if (this.#pendingBytes + bytes > this.#settings.maxPendingBytes) {
      throw new BusUnavailableError(`embedded bus write queue is full (${this.#pendingBytes} bytes waiting for fsync); retry later`);
    }
    this.#pendingBytes += bytes;
    try {
      const topic = await this.#topic(topicName);
      const byPartition = new Map<number, PreparedRecord[]>();
      for (const record of records) {
        const partition = partitionForKey(record.key, topic.partitions.length);
        const batch = byPartition.get(partition);
        if (batch) batch.push(record);
        else byPartition.set(partition, [record]);
      }
      const outcomes = await Promise.allSettled([...byPartition].map(([partition, batch]) => topic.partitions[partition].append(batch)));
      const failure = outcomes.find((outcome) => outcome.status === "rejected");
      if (failure) throw failure.reason;
    } finally {
      this.#pendingBytes -= bytes;
    }
  }

  async consume(options: ConsumeOptions): Promise<Consumer> {
    this.#assertOpen();
    const { group, handler, maxBatch = DEFAULT_MAX_BATCH, start = "earliest" } = options;
    positiveInteger("maxBatch", maxBatch);
    if (options.topics.length === 0) throw new Error("consume() needs at least one topic");
    if (this.#busyGroups.has(group)) throw new Error(`group ${JSON.stringify(group)} is already being consumed by this bus; stop that consumer first`);
    this.#busyGroups.add(group);
    try {
      const assignments: Assignment[] = [];
      let changed = false;
      for (const name of new Set(options.topics)) {
        for (const log of (await this.#topic(name)).partitions) {
          const committed = this.#offsets.committed(group, name, log.partition);
          const wanted = committed ?? (start === "latest" ? log.endOffset : log.startOffset);
          const offset = Math.min(Math.max(wanted, log.startOffset), log.endOffset);
          if (committed !== undefined && offset !== committed) {
            this.#settings.logger.warn({ group, topic: name, partition: log.partition, committed, offset }, "bus: committed offset is no longer in the log; starting at the nearest offset that is");
          }
          if (offset !== committed) {
            this.#offsets.set(group, name, log.partition, offset);
            changed = true;
          }
          assignments.push({ log, cursor: await log.cursorAt(offset) });
        }
      }
      if (changed) await this.#offsets.persist();
      this.#assertOpen();
      const consumer: GroupConsumer = new GroupConsumer(assignments, {
        group,
        handler,
        maxBatch,
        maxBatchBytes: this.#settings.maxBatchBytes,
        offsets: this.#offsets,
        logger: this.#settings.logger,
        onStopped: () => {
          this.#consumers.delete(consumer);
          this.#busyGroups.delete(group);
        },
      });
      this.#consumers.add(consumer);
      return consumer;
    } catch (error) {
      this.#busyGroups.delete(group);
      throw error;
    }
  }

  async seek(group: string, topic: string, partition: number, offset: number): Promise<void> {
    this.#assertOpen();
    if (this.#busyGroups.has(group)) throw new Error(`group ${JSON.stringify(group)} is being consumed; stop its consumer before seeking`);
    const log = (await this.#existingTopic(topic)).partitions[partition];
    if (!log) throw new RangeError(`topic ${topic} has no partition ${partition}`);
    if (!Number.isInteger(offset) || offset < 0 || offset > log.endOffset) throw new RangeError(`offset ${offset} is outside ${topic}/${partition} [0, ${log.endOffset}]`);
    await this.#offsets.commit(group, topic, partition, offset);
  }

  async lag(group: string, topics: string[]): Promise<PartitionLag[]> {
    this.#assertOpen();
    const lags: PartitionLag[] = [];
    for (const name of topics) {
      for (const log of (await this.#existingTopic(name)).partitions) {
        const committed = this.#offsets.committed(group, name, log.partition) ?? log.startOffset;
        lags.push({ topic: name, partition: log.partition, group, committed, end: log.endOffset, lag: Math.max(0, log.endOffset - committed) });
      }
    }
    return lags;
  }

  enforceRetention(): Promise<RetentionReport[]> {
    const run = this.#retentionChain.then(() => this.#applyRetention());
    this.#retentionChain = run.catch(() => undefined);
    return run;
  }

  close(): Promise<void> {
    this.#closing ??= this.#shutdown();
    return this.#closing;
  }

  async #shutdown(): Promise<void> {
    clearInterval(this.#retentionTimer);
    await Promise.all([...this.#consumers].map((consumer) => consumer.stop()));
    await this.#retentionChain;
    await Promise.all((await this.#openTopics()).flatMap((topic) => topic.partitions.map((log) => log.close())));
    await this.#lock.release();
    openDirs.delete(this.#dir);
  }

  async #applyRetention(): Promise<RetentionReport[]> {
    this.#assertOpen();
    const { logger } = this.#settings;
    const reports: RetentionReport[] = [];
    for (const topic of await this.#openTopics()) {
      for (const log of topic.partitions) {
        const sealed = await Promise.all(log.sealedSegments().map(async (s) => ({ ...s, modifiedMs: (await stat(s.path)).mtimeMs })));
        const groups = this.#offsets.groupsOf(topic.name).map((group) => ({ group, committed: this.#offsets.committed(group, topic.name, log.partition) ?? 0 }));
        const plan = planRetention(sealed, log.sizeBytes, groups, this.#settings, Date.now());
        await log.deleteOldestSegments(plan.deletable);
        const report = { topic: topic.name, partition: log.partition, startOffset: log.startOffset, deletedSegments: plan.deletable, heldBackBy: plan.heldBackBy };
        if (plan.deletable > 0) logger.info(report, "bus: retention deleted old segments");
        if (plan.heldBackBy.length > 0) logger.warn(report, "bus: retention held back by consumer groups that have not committed past expired segments");
        reports.push(report);
      }
    }
    return reports;
  }

  #topic(name: string, partitions = this.#settings.partitions): Promise<Topic> {
    let topic = this.#topics.get(name);
    if (!topic) {
      const opening = openTopic(path.join(this.#dir, "topics"), name, partitions, this.#settings);
      this.#topics.set(name, opening);
      opening.catch(() => {
        if (this.#topics.get(name) === opening) this.#topics.delete(name);
      });
      topic = opening;
    }
    return topic;
  }

  #existingTopic(name: string): Promise<Topic> {
    const topic = this.#topics.get(name);
    if (!topic) throw new Error(`unknown topic ${JSON.stringify(name)}`);
    return topic;
  }

  async #openTopics(): Promise<Topic[]> {
    const settled = await Promise.allSettled(this.#topics.values());
    return settled.flatMap((outcome) => (outcome.status === "fulfilled" ? [outcome.value] : []));
  }

  #assertOpen(): void {
    if (this.#closing) throw new BusUnavailableError(`embedded bus at ${this.#dir} is closed`);
  }
}

function positiveInteger(name: string, value: number): number {
  if (!Number.isInteger(value) || value < 1) throw new RangeError(`${name} must be a positive integer, got ${value}`);
  return value;
}

// A running consumer of one group: one loop per assigned partition, all concurrent. Each loop
// reads a batch from disk, hands it to the handler, commits the offset after it once the handler
// resolved, and repeats; when caught up it sleeps until the partition announces an append (no
// polling). Invariants:
//  - at most one batch of a partition is in memory and in flight, so memory is bounded by
//    maxBatch/maxBatchBytes per partition, not by the log;
//  - a batch whose handler throws is retried as is, with exponential backoff, before anything
//    later is read: order is kept and nothing is skipped;
//  - stop() stops fetching and retrying, waits for the handler calls in flight and commits the ones
//    that succeeded; a batch that never succeeded stays uncommitted and is redelivered next time.
import { setTimeout as sleep } from "node:timers/promises";
import type { BusRecord, Consumer } from "../types.ts";
import type { BusLogger } from "./logger.ts";
import type { OffsetStore } from "./offset-store.ts";
import type { Cursor, PartitionLog } from "./partition-log.ts";

const FIRST_BACKOFF_MS = 50;
const MAX_BACKOFF_MS = 5_000;

export interface Assignment {
  log: PartitionLog;
  cursor: Cursor;
}

export interface GroupConsumerOptions {
  group: string;
  handler: (batch: BusRecord[]) => Promise<void>;
  maxBatch: number;
  maxBatchBytes: number;
  offsets: OffsetStore;
  logger: BusLogger;
  /** Called once every loop has ended. */
  onStopped: () => void;
}

export class GroupConsumer implements Consumer {
  readonly #options: GroupConsumerOptions;
  readonly #abort = new AbortController();
  readonly #loops: Promise<void>;
  #stopping: Promise<void> | undefined;

  constructor(assignments: Assignment[], options: GroupConsumerOptions) {
    this.#options = options;
    this.#loops = Promise.all(assignments.map((a) => this.#consumePartition(a.log, a.cursor))).then(() => undefined);
  }

  stop(): Promise<void> {
    this.#abort.abort();
    this.#stopping ??= this.#loops.then(this.#options.onStopped);
    return this.#stopping;
  }

  async #consumePartition(log: PartitionLog, start: Cursor): Promise<void> {
    const { group, handler, maxBatch, maxBatchBytes, offsets } = this.#options;
    const signal = this.#abort.signal;
    const where = { group, topic: log.topic, partition: log.partition };
    let cursor = start;
    while (!signal.aborted) {
      const read = await this.#untilDone(() => log.read(cursor, maxBatch, maxBatchBytes), { ...where, offset: cursor.offset, step: "read" });
      if (!read || signal.aborted) return;
      const batch = read.value;
      if (batch.records.length === 0) {
        await log.waitForAppend(cursor.offset, signal);
        continue;
      }
      const handled = await this.#untilDone(() => handler(batch.records), { ...where, offset: cursor.offset, records: batch.records.length, step: "handler" });
      if (!handled) return;
      const committed = await this.#untilDone(() => offsets.commit(group, log.topic, log.partition, batch.next.offset), { ...where, offset: batch.next.offset, step: "commit" });
      if (!committed) return;
      cursor = batch.next;
    }
  }

  /** Runs `attempt` until it succeeds, backing off between failures; undefined if stopped before it succeeded. */
  async #untilDone<T>(attempt: () => Promise<T>, context: object): Promise<{ value: T } | undefined> {
    for (let failures = 0; ; failures++) {
      try {
        return { value: await attempt() };
      } catch (error) {
        const delayMs = Math.min(MAX_BACKOFF_MS, FIRST_BACKOFF_MS * 2 ** failures);
        this.#options.logger.warn({ ...context, failures: failures + 1, retryInMs: delayMs, err: error }, "bus: consumer step failed; retrying");
        if (!(await sleep(delayMs, true, { signal: this.#abort.signal }).catch(() => false))) return undefined;
      }
    }
  }
}

// The embedded log against the shared Bus contract, plus what only a log on local disk must do:
// recover torn tails, survive kill -9 with every acknowledged record, roll segments, keep retention
// behind the slowest group, push back when writes pile up. These tests look at the files on purpose.
import { spawn } from "node:child_process";
import { once } from "node:events";
import { appendFile, mkdtemp, readdir, readFile, rm, stat, truncate, utimes, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { busContractSuite } from "../contract-suite.ts";
import { createBus } from "../index.ts";
import type { Bus, BusRecord, ProduceMessage } from "../types.ts";
import { BusUnavailableError } from "../types.ts";
import { createEmbeddedBus, type EmbeddedBus, type EmbeddedBusOptions } from "./bus.ts";
import { CRASH_BUS_OPTIONS, CRASH_TOPIC } from "./crash-producer.ts";
import type { BusLogger } from "./logger.ts";
import { murmur2, partitionForKey } from "./partitioner.ts";
import { decodeRecord, MAX_RECORD_BODY_BYTES, prepareRecord, writeRecord } from "./record-format.ts";
import { parseSegmentFileName, segmentFileName } from "./segment.ts";

const NODE = path.resolve(import.meta.dirname, "../../../node_modules/.bin/node");
const CRASH_PRODUCER = path.join(import.meta.dirname, "crash-producer.ts");

busContractSuite("embedded", async () => {
  const dir = await mkdtemp(path.join(tmpdir(), "tracerelay-bus-"));
  let bus = await createEmbeddedBus({ dir });
  return {
    bus,
    restart: async () => {
      await bus.close();
      bus = await createEmbeddedBus({ dir });
      return bus;
    },
    cleanup: async () => {
      await bus.close();
      await rm(dir, { recursive: true, force: true });
    },
  };
});

busContractSuite("embedded, every read from disk (recentBytes 0)", async () => {
  const dir = await mkdtemp(path.join(tmpdir(), "tracerelay-bus-"));
  let bus = await createEmbeddedBus({ dir, recentBytes: 0 });
  return {
    bus,
    restart: async () => {
      await bus.close();
      bus = await createEmbeddedBus({ dir, recentBytes: 0 });
      return bus;
    },
    cleanup: async () => {
      await bus.close();
      await rm(dir, { recursive: true, force: true });
    },
  };
});

describe("embedded bus", () => {
  let dir: string;
  let bus: EmbeddedBus | undefined;

  beforeEach(async () => {
    dir = await mkdtemp(path.join(tmpdir(), "tracerelay-bus-"));
  });
  afterEach(async () => {
    await bus?.close();
    bus = undefined;
    await rm(dir, { recursive: true, force: true });
  });

  async function open(options: Omit<EmbeddedBusOptions, "dir"> = {}): Promise<EmbeddedBus> {
    await bus?.close();
    bus = await createEmbeddedBus({ dir, ...options });
    return bus;
  }

  function partitionDir(topic: string, partition = 0): string {
    return path.join(dir, "topics", topic, String(partition));
  }

  async function segmentBases(topic: string, partition = 0): Promise<number[]> {
    return (await readdir(partitionDir(topic, partition)))
      .map(parseSegmentFileName)
      .filter((base) => base !== undefined)
      .sort((a, b) => a - b);
  }

  describe("record format and partitioner", () => {
    it("matches Kafka's murmur2 and partitions keys deterministically", () => {
      const kafkaVectors: Array<[string, number]> = [
        ["21", -973932308],
        ["foobar", -790332482],
        ["a-little-bit-long-string", -985981536],
        ["a-little-bit-longer-string", -1486304829],
        ["lkjh234lh9fiuh90y23oiuhsafujhadof229phr9h19h89h8", -58897971],
        ["abc", 479470107],
      ];
      for (const [key, hash] of kafkaVectors) expect(murmur2(Buffer.from(key))).toBe(hash);
      const partitions = Array.from({ length: 1000 }, (_, i) => partitionForKey(Buffer.from(`key-${i}`), 4));
      expect(new Set(partitions)).toEqual(new Set([0, 1, 2, 3]));
      expect(partitionForKey(Buffer.from("key-7"), 4)).toBe(partitions[7]);
    });

    it("encodes and decodes a record, and detects damage", () => {
      const record = prepareRecord({ key: "k", value: Buffer.from("v".repeat(100)), headers: { a: "1", "ü": "ß" } });
      const buffer = Buffer.alloc(record.size);
      expect(writeRecord(buffer, 0, record, 2 ** 40 + 3, 1_700_000_000_123)).toBe(record.size);
      expect(decodeRecord(buffer, 0)).toMatchObject({
        status: "ok",
        next: record.size,
        record: { offset: 2 ** 40 + 3, timestamp: 1_700_000_000_123, key: "k", headers: { a: "1", "ü": "ß" } },
      });
      expect(decodeRecord(buffer.subarray(0, record.size - 1), 0)).toEqual({ status: "incomplete", needed: record.size });
      const flipped = Buffer.from(buffer);
      flipped[40] ^= 1;
      expect(decodeRecord(flipped, 0)).toEqual({ status: "corrupt", reason: "checksum mismatch" });
      expect(() => prepareRecord({ key: "big", value: Buffer.alloc(MAX_RECORD_BODY_BYTES) })).toThrow(RangeError);
    });
  });

  describe("recovery", () => {
    const damages: Array<[string, (file: string) => Promise<void>, number]> = [
      ["garbage appended after the last record", (file) => appendFile(file, Buffer.from("not a record at all, just noise")), 10],
      ["the last record cut short", async (file) => truncate(file, (await stat(file)).size - 3), 9],
      ["a flipped byte in the last record", async (file) => flipByte(file, (await stat(file)).size - 5), 9],
      ["a zeroed length prefix", async (file) => appendFile(file, Buffer.alloc(12)), 10],
    ];

    it.each(damages)("cuts a torn tail (%s) and keeps appending", async (_, damage, survivors) => {
      await (await open()).ensureTopics([{ name: "t", partitions: 1 }]);
      await bus!.produce("t", keyed("m", 10));
      await bus!.close();
      const file = path.join(partitionDir("t"), segmentFileName(0));
      const sizeBefore = (await stat(file)).size;
      await damage(file);
      const log = capturingLogger();
      await open({ logger: log.logger });
      const warning = log.entries.find((e) => e.message.includes("torn tail"));
      expect(warning?.details).toMatchObject({ topic: "t", partition: 0, droppedBytes: expect.any(Number) });
      expect((await stat(file)).size).toBe(sizeBefore - (survivors === 10 ? 0 : sizeBefore / 10));
      expect((await readAll(bus!, "t", survivors)).map((r) => r.key)).toEqual(keyed("m", survivors).map((m) => m.key));
      await bus!.produce("t", [{ key: "after", value: "recovery" }]);
      const all = await readAll(bus!, "t", survivors + 1);
      expect(all.at(-1)).toMatchObject({ key: "after", offset: survivors });
    });

    it("keeps every acknowledged record exactly once when the producer is killed with SIGKILL", async () => {
      const child = spawn(NODE, [CRASH_PRODUCER, dir], { stdio: ["ignore", "pipe", "pipe"] });
      let stdout = "";
      let stderr = "";
      let lines = 0;
      child.stderr.setEncoding("utf8").on("data", (text: string) => {
        stderr += text;
      });
      await new Promise<void>((resolve, reject) => {
        child.stdout.setEncoding("utf8").on("data", (text: string) => {
          stdout += text;
          lines += text.split("\n").length - 1;
          if (lines >= 400) resolve();
        });
        child.on("exit", (code) => reject(new Error(`producer exited on its own (${code}): ${stderr}`)));
      });
      const closed = once(child, "close");
      child.kill("SIGKILL");
      await closed;
      const acknowledged = stdout.split("\n").slice(0, -1).flatMap((line) => line.split(","));
      expect(acknowledged.length).toBeGreaterThanOrEqual(4000);
      // A kill cannot stop a write() half-way, so make the torn write a power cut would leave.
      const lastSegment = path.join(partitionDir(CRASH_TOPIC), segmentFileName((await segmentBases(CRASH_TOPIC)).at(-1)!));
      const torn = prepareRecord({ key: "torn", value: Buffer.alloc(1000) });
      const tornBytes = Buffer.alloc(torn.size);
      writeRecord(tornBytes, 0, torn, 0, 0);
      await appendFile(lastSegment, tornBytes.subarray(0, 600));

      const log = capturingLogger();
      await open({ ...CRASH_BUS_OPTIONS, logger: log.logger });
      expect(log.entries.find((e) => e.message.includes("torn tail"))?.details).toMatchObject({ partition: 0, droppedBytes: 600 });
      const end = (await bus!.lag("verify", [CRASH_TOPIC])).reduce((sum, l) => sum + l.end, 0);
      expect(end).toBeGreaterThanOrEqual(acknowledged.length);
      const records = await readAll(bus!, CRASH_TOPIC, end);
      const seen = new Map<string, number>();
      for (const r of records) {
        seen.set(r.key, (seen.get(r.key) ?? 0) + 1);
        expect(r.value.length).toBe(1000);
      }
      expect([...seen.values()].every((count) => count === 1)).toBe(true);
      expect(acknowledged.filter((key) => seen.get(key) !== 1)).toEqual([]);
      await bus!.produce(CRASH_TOPIC, [{ key: "after-crash", value: "ok" }]);
      expect((await bus!.lag("verify", [CRASH_TOPIC])).reduce((sum, l) => sum + l.end, 0)).toBe(end + 1);
    });

    it("keeps a topic's partition count across reopen", async () => {
      await (await open()).ensureTopics([{ name: "three", partitions: 3 }]);
      await open({ partitions: 5 });
      await bus!.ensureTopics([{ name: "three" }]);
      expect(await bus!.lag("g", ["three"])).toHaveLength(3);
    });
  });

  describe("segments", () => {
    it("rolls segments at segmentBytes and reads across them, also from an offset in the middle", async () => {
      await (await open({ segmentBytes: 4096 })).ensureTopics([{ name: "roll", partitions: 1 }]);
      for (let i = 0; i < 6; i++) await bus!.produce("roll", keyed(`m${i}`, 10, 300));
      const bases = await segmentBases("roll");
      expect(bases.length).toBeGreaterThan(3);
      expect(bases[0]).toBe(0);
      for (const base of bases) expect((await stat(path.join(partitionDir("roll"), segmentFileName(base)))).size).toBeLessThanOrEqual(4096);
      const all = await readAll(bus!, "roll", 60);
      expect(all.map((r) => r.offset)).toEqual(Array.from({ length: 60 }, (_, i) => i));
      await bus!.seek("replay", "roll", 0, 37);
      expect((await readAll(bus!, "roll", 23, "replay")).map((r) => r.offset)).toEqual(Array.from({ length: 23 }, (_, i) => 37 + i));
      await open({ segmentBytes: 4096 });
      await bus!.produce("roll", [{ key: "next", value: "after reopen" }]);
      expect((await readAll(bus!, "roll", 61)).at(-1)).toMatchObject({ key: "next", offset: 60 });
    });

    it("hands the newest records from memory (the produced buffers) and older ones from disk, seamlessly, across segments", async () => {
      await (await open({ segmentBytes: 16 * 1024, recentBytes: 8 * 1024 })).ensureTopics([{ name: "mem", partitions: 1 }]);
      const values = Array.from({ length: 120 }, (_, i) => Buffer.from(`value-${i}-`.padEnd(300, "x")));
      for (let i = 0; i < 120; i += 10) await bus!.produce("mem", values.slice(i, i + 10).map((value, j) => ({ key: `k${i + j}`, value, headers: { n: String(i + j) } })));
      expect((await segmentBases("mem")).length).toBeGreaterThan(2);
      const all = await readAll(bus!, "mem", 120);
      expect(all.map((r) => r.offset)).toEqual(Array.from({ length: 120 }, (_, i) => i));
      all.forEach((r, i) => {
        expect(r).toMatchObject({ key: `k${i}`, headers: { n: String(i) } });
        expect(r.value).toEqual(values[i]);
      });
      expect(all.some((r, i) => r.value === values[i])).toBe(false); // a read starting on disk stays on disk
      // the last 8 KiB (~24 records of ~330 bytes) are in memory: a reader there gets the very buffers produced
      await bus!.seek("tail", "mem", 0, 100);
      const tail = await readAll(bus!, "mem", 20, "tail");
      expect(tail.map((r) => r.offset)).toEqual(Array.from({ length: 20 }, (_, i) => 100 + i));
      tail.forEach((r, i) => {
        expect(r.value).toBe(values[100 + i]);
      });
      // before the window: from disk, and the cursor then runs on into the window
      await bus!.seek("middle", "mem", 0, 60);
      const middle = await readAll(bus!, "mem", 60, "middle");
      expect(middle.map((r) => r.offset)).toEqual(Array.from({ length: 60 }, (_, i) => 60 + i));
      middle.forEach((r, i) => {
        expect(r.value).toEqual(values[60 + i]);
      });
      // a reader's headers are its own
      tail[19].headers.n = "changed";
      await bus!.seek("tail2", "mem", 0, 119);
      expect((await readAll(bus!, "mem", 1, "tail2"))[0].headers.n).toBe("119");
      // after a reopen, nothing is in memory until new records are written; the cursor continues
      await open({ segmentBytes: 16 * 1024, recentBytes: 8 * 1024 });
      await bus!.produce("mem", [{ key: "next", value: values[0] }]);
      await bus!.seek("reopened", "mem", 0, 100);
      const again = await readAll(bus!, "mem", 21, "reopened");
      expect(again.slice(0, 20).some((r, i) => r.value === values[100 + i])).toBe(false);
      expect(again.at(-1)).toMatchObject({ key: "next", offset: 120 });
      await bus!.seek("newest", "mem", 0, 120);
      expect((await readAll(bus!, "mem", 1, "newest"))[0].value).toBe(values[0]);
    });

    it("puts a record larger than segmentBytes alone in a segment", async () => {
      await (await open({ segmentBytes: 1024 })).ensureTopics([{ name: "big", partitions: 1 }]);
      await bus!.produce("big", keyed("small", 2, 10));
      await bus!.produce("big", [{ key: "huge", value: Buffer.alloc(5000, 7) }]);
      await bus!.produce("big", keyed("tail", 1, 10));
      expect(await segmentBases("big")).toEqual([0, 2, 3]);
      expect((await readAll(bus!, "big", 4))[2].value).toEqual(Buffer.alloc(5000, 7));
    });
  });

  describe("retention", () => {
    it("by size, deletes only segments every known group has committed past", async () => {
      const log = capturingLogger();
      await (await open({ segmentBytes: 4096, retentionBytes: 8192, logger: log.logger })).ensureTopics([{ name: "r", partitions: 1 }]);
      for (let i = 0; i < 8; i++) await bus!.produce("r", keyed(`m${i}`, 10, 300));
      await readAll(bus!, "r", 80, "fast");
      await bus!.seek("slow", "r", 0, 20);
      const segmentsBefore = await segmentBases("r");

      const [held] = await bus!.enforceRetention();
      expect(held.heldBackBy).toEqual(["slow"]);
      expect(held.startOffset).toBeLessThanOrEqual(20);
      const remaining = await segmentBases("r");
      expect(remaining.length).toBeLessThan(segmentsBefore.length);
      expect(remaining[0]).toBe(held.startOffset);
      expect(log.entries.some((e) => e.message.includes("held back"))).toBe(true);

      await bus!.seek("slow", "r", 0, 80);
      const [freed] = await bus!.enforceRetention();
      expect(freed.heldBackBy).toEqual([]);
      const kept = await segmentBases("r");
      const sizes = await Promise.all(kept.map(async (base) => (await stat(path.join(partitionDir("r"), segmentFileName(base)))).size));
      const total = sizes.reduce((a, b) => a + b, 0);
      expect(total).toBeGreaterThanOrEqual(8192);
      expect(total - sizes[0]).toBeLessThan(8192);
      expect(freed.startOffset).toBe(kept[0]);
      const fresh = await readAll(bus!, "r", 80 - freed.startOffset, "fresh");
      expect(fresh[0].offset).toBe(freed.startOffset);
      expect((await bus!.lag("never", ["r"]))[0]).toMatchObject({ committed: freed.startOffset, end: 80 });
    });

    it("by age, on its timer, never deletes the active segment", async () => {
      await (await open({ segmentBytes: 4096, retentionMs: 60_000 })).ensureTopics([{ name: "old", partitions: 1 }]);
      for (let i = 0; i < 4; i++) await bus!.produce("old", keyed(`m${i}`, 10, 300));
      expect((await bus!.enforceRetention())[0].deletedSegments).toBe(0);
      const bases = await segmentBases("old");
      const twoHoursAgo = new Date(Date.now() - 2 * 3600_000);
      for (const base of bases) await utimes(path.join(partitionDir("old"), segmentFileName(base)), twoHoursAgo, twoHoursAgo);

      let deleted!: (details: object) => void;
      const timerRan = new Promise<object>((resolve) => {
        deleted = resolve;
      });
      const log = capturingLogger((entry) => entry.message.includes("retention deleted") && deleted(entry.details));
      await open({ segmentBytes: 4096, retentionMs: 60_000, retentionCheckMs: 10, logger: log.logger });
      expect(await timerRan).toMatchObject({ topic: "old", deletedSegments: bases.length - 1 });
      expect(await segmentBases("old")).toEqual([bases.at(-1)]);
    });
  });

  describe("consumers and producers", () => {
    it("refuses a second consumer of a busy group, and seek on it", async () => {
      await (await open()).ensureTopics([{ name: "c", partitions: 2 }]);
      const consumer = await bus!.consume({ group: "g", topics: ["c"], handler: async () => {} });
      await expect(bus!.consume({ group: "g", topics: ["c"], handler: async () => {} })).rejects.toThrow(/already being consumed/);
      await expect(bus!.seek("g", "c", 0, 0)).rejects.toThrow(/stop its consumer/);
      await consumer.stop();
      await (await bus!.consume({ group: "g", topics: ["c"], handler: async () => {} })).stop();
    });

    it("caps batch bytes at maxBatchBytes", async () => {
      await (await open({ maxBatchBytes: 10_000 })).ensureTopics([{ name: "b", partitions: 1 }]);
      await bus!.produce("b", keyed("m", 20, 3000));
      const batches: number[] = [];
      await readAll(bus!, "b", 20, "g", (batch) => batches.push(batch.length));
      expect(Math.max(...batches)).toBe(4);
    });

    it("rejects produce with BusUnavailableError while too many bytes wait for fsync", async () => {
      await (await open({ maxPendingBytes: 64 * 1024 })).ensureTopics([{ name: "p", partitions: 2 }]);
      const outcomes = await Promise.allSettled(Array.from({ length: 40 }, (_, i) => bus!.produce("p", keyed(`m${i}`, 1, 5000))));
      const rejected = outcomes.filter((o) => o.status === "rejected");
      expect(rejected.length).toBeGreaterThan(0);
      for (const r of rejected) expect(r.reason).toBeInstanceOf(BusUnavailableError);
      const accepted = outcomes.length - rejected.length;
      expect(accepted).toBeGreaterThan(0);
      expect((await bus!.lag("g", ["p"])).reduce((sum, l) => sum + l.end, 0)).toBe(accepted);
      await bus!.produce("p", keyed("later", 1, 5000));
    });

    it("rejects oversized records and bad topic names, and a second open of the same directory", async () => {
      await open();
      await expect(bus!.produce("t", [{ key: "k", value: Buffer.alloc(MAX_RECORD_BODY_BYTES) }])).rejects.toThrow(RangeError);
      await expect(bus!.produce("../escape", keyed("m", 1))).rejects.toThrow(/invalid topic name/);
      await expect(createEmbeddedBus({ dir })).rejects.toThrow(/already open/);
    });
  });

  describe("createBus", () => {
    it("builds the embedded bus; kafka needs a reachable broker (see lib/bus/kafka)", async () => {
      const created: Bus = await createBus({ kind: "embedded", dir });
      expect(created.kind).toBe("embedded");
      await created.close();
      await expect(createBus({ kind: "kafka", brokers: ["127.0.0.1:1"], connectionTimeoutMs: 500 })).rejects.toBeInstanceOf(BusUnavailableError);
    });
  });
});

function keyed(prefix: string, count: number, valueBytes = 20): ProduceMessage[] {
  return Array.from({ length: count }, (_, i) => ({ key: `${prefix}-${i}`, value: `${prefix}-${i}:`.padEnd(valueBytes, ".") }));
}

/** Consumes `count` records with a new (or given) group, in per-partition offset order. */
async function readAll(bus: Bus, topic: string, count: number, group = `reader-${Math.random()}`, onBatch?: (batch: BusRecord[]) => void): Promise<BusRecord[]> {
  const records: BusRecord[] = [];
  let done!: () => void;
  const enough = new Promise<void>((resolve) => {
    done = resolve;
  });
  const consumer = await bus.consume({
    group,
    topics: [topic],
    handler: async (batch) => {
      onBatch?.(batch);
      records.push(...batch);
      if (records.length >= count) done();
    },
  });
  await enough;
  await consumer.stop();
  expect(records).toHaveLength(count);
  return records;
}

interface LogEntry {
  level: string;
  details: object;
  message: string;
}

function capturingLogger(onEntry?: (entry: LogEntry) => void): { logger: BusLogger; entries: LogEntry[] } {
  const entries: LogEntry[] = [];
  const record = (level: string) => (details: object, message: string) => {
    const entry = { level, details, message };
    entries.push(entry);
    onEntry?.(entry);
  };
  return { logger: { info: record("info"), warn: record("warn"), error: record("error") }, entries };
}

async function flipByte(file: string, position: number): Promise<void> {
  const bytes = await readFile(file);
  bytes[position] ^= 0xff;
  await writeFile(file, bytes);
}

describe("one process per directory", () => {
  it("refuses a directory another live process holds, and takes over a stale lock", async () => {
    const { hostname } = await import("node:os");
    const dir = await mkdtemp(path.join(tmpdir(), "tr-bus-lock-"));
    // a live process (sleeping) claims the directory
    const sleeper = spawn(process.execPath, ["-e", "setTimeout(() => {}, 60000)"], { stdio: "ignore" });
    try {
      await writeFile(path.join(dir, "LOCK"), JSON.stringify({ pid: sleeper.pid, host: hostname(), since: "2026-01-01T00:00:00Z" }));
      await expect(createEmbeddedBus({ dir })).rejects.toThrow(`is in use by process ${sleeper.pid}`);
    } finally {
      sleeper.kill("SIGKILL");
      await new Promise((r) => sleeper.once("exit", r));
    }
    // the same lock, its process gone: stale, taken over; released on close
    const bus = await createEmbeddedBus({ dir });
    expect(JSON.parse(await readFile(path.join(dir, "LOCK"), "utf8")).pid).toBe(process.pid);
    await bus.close();
    await expect(readFile(path.join(dir, "LOCK"), "utf8")).rejects.toThrow();
    await rm(dir, { recursive: true, force: true });
  });
});

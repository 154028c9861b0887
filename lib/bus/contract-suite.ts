// The behaviour every Bus implementation must show (see types.ts), as vitest blocks. Call
// busContractSuite() from an implementation's test file. It only uses the Bus interface, never
// storage details, and gives every test its own topics and groups, so it can run against a shared
// Kafka cluster. A subject:
//  - bus: a connected bus;
//  - restart (optional): closes the current bus and returns a new one on the same storage;
//  - cleanup: closes whichever bus is current (close() must be idempotent) and frees the storage.
// Semantics pinned down here beyond types.ts: consume() resolves only once the group's starting
// positions are fixed (matters for "latest"); lag() of a group without commits reports the earliest
// available offset as `committed`; seek() is called only while the group has no running consumer;
// produce() after close() rejects with BusUnavailableError.
import { randomUUID } from "node:crypto";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { Bus, BusRecord, ConsumeOptions, ProduceMessage } from "./types.ts";
import { BusUnavailableError } from "./types.ts";

export interface BusSubject {
  bus: Bus;
  restart?: () => Promise<Bus>;
  cleanup: () => Promise<void>;
}

const WAIT_MS = 20_000;

export function busContractSuite(name: string, makeSubject: () => Promise<BusSubject>): void {
  describe(`Bus contract: ${name}`, () => {
    let subject: BusSubject;
    let bus: Bus;

    beforeEach(async () => {
      subject = await makeSubject();
      bus = subject.bus;
    });
    afterEach(async () => {
      await subject.cleanup();
    });

    async function newTopic(partitions: number): Promise<string> {
      const topic = unique("topic");
      await bus.ensureTopics([{ name: topic, partitions }]);
      return topic;
    }

    it("round-trips keys, values and headers", async () => {
      const topic = await newTopic(3);
      const group = unique("group");
      const received = consumeUntil(bus, { group, topics: [topic] }, 4);
      const before = Date.now();
      await bus.produce(topic, []);
      await bus.produce(topic, [
        { key: "k1", value: "hello", headers: { "content-type": "application/json", project: "p1" } },
        { key: "k2", value: Buffer.from([0, 1, 2, 255]) },
        { key: "ключ", value: "✓ unicode" },
        { key: "", value: "" },
      ]);
      const after = Date.now();
      const { records } = await received;
      expect(records).toHaveLength(4);
      const byKey = new Map(records.map((r) => [r.key, r]));
      expect(byKey.get("k1")!.value.toString()).toBe("hello");
      expect(byKey.get("k1")!.headers).toEqual({ "content-type": "application/json", project: "p1" });
      expect(Buffer.compare(byKey.get("k2")!.value, Buffer.from([0, 1, 2, 255]))).toBe(0);
      expect(byKey.get("k2")!.headers).toEqual({});
      expect(byKey.get("ключ")!.value.toString()).toBe("✓ unicode");
      expect(byKey.get("")!.value.length).toBe(0);
      for (const r of records) {
        expect(r.topic).toBe(topic);
        expect([0, 1, 2]).toContain(r.partition);
        expect(Number.isInteger(r.offset) && r.offset >= 0).toBe(true);
        expect(r.timestamp).toBeGreaterThanOrEqual(before - 1000);
        expect(r.timestamp).toBeLessThanOrEqual(after + 1000);
      }
    });

    it("keeps per-key order across many keys, with batches of one partition in offset order", async () => {
      const topic = await newTopic(4);
      const producers = 4;
      const keysPerProducer = 10;
      const rounds = 25;
      await Promise.all(
        Array.from({ length: producers }, async (_, p) => {
          for (let seq = 0; seq < rounds; seq++) {
            await bus.produce(topic, Array.from({ length: keysPerProducer }, (_, k) => ({ key: `key-${p}-${k}`, value: String(seq) })));
          }
        }),
      );
      const total = producers * keysPerProducer * rounds;
      const { records, batches } = await consumeUntil(bus, { group: unique("group"), topics: [topic], maxBatch: 7 }, total);
      expect(records).toHaveLength(total);
      for (const batch of batches) {
        expect(batch.length).toBeLessThanOrEqual(7);
        expect(new Set(batch.map((r) => r.partition)).size).toBe(1);
        for (let i = 1; i < batch.length; i++) expect(batch[i].offset).toBe(batch[i - 1].offset + 1);
      }
      const seqsByKey = new Map<string, number[]>();
      const partitionOfKey = new Map<string, number>();
      for (const r of records) {
        if (!seqsByKey.has(r.key)) seqsByKey.set(r.key, []);
        seqsByKey.get(r.key)!.push(Number(r.value.toString()));
        expect(partitionOfKey.get(r.key) ?? r.partition).toBe(r.partition);
        partitionOfKey.set(r.key, r.partition);
      }
      expect(seqsByKey.size).toBe(producers * keysPerProducer);
      for (const seqs of seqsByKey.values()) expect(seqs).toEqual(Array.from({ length: rounds }, (_, i) => i));
      const lastOffsetOf = new Map<number, number>();
      for (const r of records) {
        expect(r.offset).toBe((lastOffsetOf.get(r.partition) ?? -1) + 1);
        lastOffsetOf.set(r.partition, r.offset);
      }
    });

    it("lets two groups consume the same records independently", async () => {
      const topic = await newTopic(2);
      await bus.produce(topic, messages("a", 20));
      const groupA = unique("group-a");
      const groupB = unique("group-b");
      const first = await consumeUntil(bus, { group: groupA, topics: [topic] }, 20);
      expect(sortedKeys(first.records)).toEqual(sortedKeys(messages("a", 20)));
      await bus.produce(topic, messages("b", 5));
      const second = await consumeUntil(bus, { group: groupB, topics: [topic] }, 25);
      expect(second.records).toHaveLength(25);
      const third = await consumeUntil(bus, { group: groupA, topics: [topic] }, 5);
      expect(sortedKeys(third.records)).toEqual(sortedKeys(messages("b", 5)));
      expect(totalLag(await bus.lag(groupA, [topic]))).toBe(0);
      await bus.produce(topic, messages("c", 3));
      expect(totalLag(await bus.lag(groupA, [topic]))).toBe(3);
      expect(totalLag(await bus.lag(groupB, [topic]))).toBe(3);
    });

    it("redelivers a batch whose handler threw, and skips nothing", async () => {
      const topic = await newTopic(1);
      await bus.produce(topic, messages("m", 10));
      const group = unique("group");
      let failed = false;
      const firstOffsets: number[] = [];
      const { records } = await consumeUntil(bus, { group, topics: [topic], maxBatch: 4 }, 10, async (batch) => {
        firstOffsets.push(batch[0].offset);
        if (batch[0].offset === 4 && !failed) {
          failed = true;
          throw new Error("handler failure injected by the contract suite");
        }
      });
      expect(firstOffsets).toEqual([0, 4, 4, 8]);
      expect(records.map((r) => r.offset)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
      expect(await bus.lag(group, [topic])).toEqual([{ topic, partition: 0, group, committed: 10, end: 10, lag: 0 }]);
    });

    it("commits nothing for a batch that never succeeded", async () => {
      const topic = await newTopic(1);
      await bus.produce(topic, messages("m", 3));
      const group = unique("group");
      let attempts = 0;
      let tried!: () => void;
      const triedTwice = new Promise<void>((resolve) => {
        tried = resolve;
      });
      const failing = await bus.consume({
        group,
        topics: [topic],
        handler: async () => {
          if (++attempts === 2) tried();
          throw new Error("always failing");
        },
      });
      await withTimeout(triedTwice, "the failing batch to be retried");
      await failing.stop();
      expect((await bus.lag(group, [topic]))[0]).toMatchObject({ committed: 0, lag: 3 });
      const { records } = await consumeUntil(bus, { group, topics: [topic] }, 3);
      expect(records.map((r) => r.offset)).toEqual([0, 1, 2]);
    });

    it("stop() waits for the handler in flight and commits its batch", async () => {
      const topic = await newTopic(1);
      await bus.produce(topic, messages("m", 2));
      const group = unique("group");
      const gate = openable();
      let entered!: () => void;
      const inHandler = new Promise<void>((resolve) => {
        entered = resolve;
      });
      const consumer = await bus.consume({
        group,
        topics: [topic],
        handler: async () => {
          entered();
          await gate.promise;
        },
      });
      await withTimeout(inHandler, "the handler to be called");
      const stopping = consumer.stop();
      expect(await settlesWithin(stopping, 50)).toBe(false);
      gate.open();
      await stopping;
      expect((await bus.lag(group, [topic]))[0]).toMatchObject({ committed: 2, end: 2, lag: 0 });
    });

    it("keeps records and committed offsets across a restart", async () => {
      const topic = await newTopic(2);
      const group = unique("group");
      await bus.produce(topic, messages("before", 10));
      const consumed = await consumeUntil(bus, { group, topics: [topic] }, 10);
      await bus.produce(topic, messages("after", 5));
      if (subject.restart) bus = await subject.restart();
      const rest = await consumeUntil(bus, { group, topics: [topic] }, 5);
      expect(sortedKeys(rest.records)).toEqual(sortedKeys(messages("after", 5)));
      const everything = await consumeUntil(bus, { group: unique("fresh"), topics: [topic] }, 15);
      const identity = (r: BusRecord) => `${r.partition}/${r.offset}/${r.key}/${r.value.toString()}`;
      expect(everything.records.map(identity).sort()).toEqual([...consumed.records, ...rest.records].map(identity).sort());
      await bus.produce(topic, messages("later", 1));
      expect(totalLag(await bus.lag(group, [topic]))).toBe(1);
    });

    it("replays a partition from an offset after seek()", async () => {
      const topic = await newTopic(2);
      const group = unique("group");
      await bus.produce(topic, messages("m", 12));
      const { records } = await consumeUntil(bus, { group, topics: [topic] }, 12);
      const counts = [0, 1].map((p) => records.filter((r) => r.partition === p).length);
      const partition = counts[0] >= counts[1] ? 0 : 1;
      const expected = records.filter((r) => r.partition === partition && r.offset >= 1);
      await bus.seek(group, topic, partition, 1);
      expect((await bus.lag(group, [topic])).find((l) => l.partition === partition)).toMatchObject({ committed: 1, lag: expected.length });
      const replay = await consumeUntil(bus, { group, topics: [topic] }, expected.length);
      expect(replay.records.map((r) => `${r.partition}/${r.offset}/${r.key}`)).toEqual(expected.map((r) => `${r.partition}/${r.offset}/${r.key}`));
      await bus.seek(group, topic, partition, counts[partition]);
      expect(totalLag(await bus.lag(group, [topic]))).toBe(0);
    });

    it("reports committed, end and lag per partition", async () => {
      const topic = await newTopic(2);
      const group = unique("group");
      await bus.produce(topic, messages("m", 6));
      const fresh = await bus.lag(group, [topic]);
      expect(fresh.map((l) => l.partition).sort()).toEqual([0, 1]);
      for (const l of fresh) expect(l).toMatchObject({ topic, group, committed: 0, lag: l.end });
      expect(fresh.reduce((sum, l) => sum + l.end, 0)).toBe(6);
      await consumeUntil(bus, { group, topics: [topic] }, 6);
      for (const l of await bus.lag(group, [topic])) expect(l).toMatchObject({ committed: l.end, lag: 0 });
      await bus.produce(topic, messages("n", 3));
      const later = await bus.lag(group, [topic]);
      expect(totalLag(later)).toBe(3);
      for (const l of later) expect(l.lag).toBe(l.end - l.committed);
    });

    it("starts a new group at the end with start: latest", async () => {
      const topic = await newTopic(2);
      await bus.produce(topic, messages("old", 5));
      const group = unique("group");
      const received: BusRecord[] = [];
      let done!: () => void;
      const gotThree = new Promise<void>((resolve) => {
        done = resolve;
      });
      const consumer = await bus.consume({
        group,
        topics: [topic],
        start: "latest",
        handler: async (batch) => {
          received.push(...batch);
          if (received.length >= 3) done();
        },
      });
      await bus.produce(topic, messages("new", 3));
      await withTimeout(gotThree, "3 new records");
      await consumer.stop();
      expect(sortedKeys(received)).toEqual(sortedKeys(messages("new", 3)));
      const all = await consumeUntil(bus, { group: unique("earliest"), topics: [topic] }, 8);
      expect(all.records).toHaveLength(8);
    });

    it("close() waits for the handler in flight; afterwards produce rejects", async () => {
      const topic = await newTopic(1);
      await bus.produce(topic, messages("m", 1));
      const gate = openable();
      let entered!: () => void;
      const inHandler = new Promise<void>((resolve) => {
        entered = resolve;
      });
      let finished = false;
      await bus.consume({
        group: unique("group"),
        topics: [topic],
        handler: async () => {
          entered();
          await gate.promise;
          finished = true;
        },
      });
      await withTimeout(inHandler, "the handler to be called");
      const closing = bus.close();
      expect(await settlesWithin(closing, 50)).toBe(false);
      gate.open();
      await closing;
      expect(finished).toBe(true);
      await expect(bus.produce(topic, messages("late", 1))).rejects.toBeInstanceOf(BusUnavailableError);
      await bus.close();
    });
  });
}

/** Consumes with a fresh consumer until `count` records arrived, then stops it (committing them). */
async function consumeUntil(
  bus: Bus,
  options: Omit<ConsumeOptions, "handler">,
  count: number,
  inspect?: (batch: BusRecord[]) => Promise<void>,
): Promise<{ records: BusRecord[]; batches: BusRecord[][] }> {
  const records: BusRecord[] = [];
  const batches: BusRecord[][] = [];
  let reached!: () => void;
  const enough = new Promise<void>((resolve) => {
    reached = resolve;
  });
  const consumer = await bus.consume({
    ...options,
    handler: async (batch) => {
      await inspect?.(batch);
      batches.push(batch);
      records.push(...batch);
      if (records.length >= count) reached();
    },
  });
  try {
    await withTimeout(enough, () => `${count} records (got ${records.length})`);
  } finally {
    await consumer.stop();
  }
  return { records, batches };
}

function messages(prefix: string, count: number): ProduceMessage[] {
  return Array.from({ length: count }, (_, i) => ({ key: `${prefix}-${i}`, value: `value of ${prefix}-${i}` }));
}

function sortedKeys(records: Array<{ key: string }>): string[] {
  return records.map((r) => r.key).sort();
}

function totalLag(lags: Array<{ lag: number }>): number {
  return lags.reduce((sum, l) => sum + l.lag, 0);
}

function unique(prefix: string): string {
  return `${prefix}-${randomUUID().slice(0, 8)}`;
}

function openable(): { promise: Promise<void>; open: () => void } {
  let open!: () => void;
  const promise = new Promise<void>((resolve) => {
    open = resolve;
  });
  return { promise, open };
}

async function withTimeout(promise: Promise<void>, waitingFor: string | (() => string)): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`timed out waiting for ${typeof waitingFor === "string" ? waitingFor : waitingFor()}`)), WAIT_MS);
  });
  try {
    await Promise.race([promise, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

async function settlesWithin(promise: Promise<unknown>, ms: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<boolean>((resolve) => {
    timer = setTimeout(resolve, ms, false);
  });
  const settled = await Promise.race([promise.then(() => true), timeout]);
  clearTimeout(timer);
  return settled;
}

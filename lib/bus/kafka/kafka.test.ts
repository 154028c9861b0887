// The Kafka bus against the shared Bus contract on a REAL broker, plus what only Kafka must do: fail
// fast with BusUnavailableError while the broker is down (and recover when it is back), keep a
// group's committed offsets across a new bus object. The broker is a single-node KRaft process started
// from the Maven Central jars (scripts/kafka/broker.ts), or the cluster in KAFKA_BROKERS. Every run
// uses its own topic prefix, so a shared cluster is fine. In CI (CI=true) a broker that cannot be
// started fails the file; elsewhere the file is skipped with a loud message.
import { randomUUID } from "node:crypto";
import { rm } from "node:fs/promises";
import { afterAll, describe, expect, it } from "vitest";
import { brokerForTests, type KafkaBroker, startKafka } from "../../../scripts/kafka/broker.ts";
import { busContractSuite } from "../contract-suite.ts";
import { createBus } from "../index.ts";
import type { Bus, BusRecord } from "../types.ts";
import { BusUnavailableError } from "../types.ts";
import { createKafkaBus, type KafkaBusOptions } from "./bus.ts";

const forTests = await brokerForTests("kafka.test");
let broker: KafkaBroker | undefined = forTests.broker;
const { brokers, unavailable } = forTests;

const runPrefix = `t${randomUUID().slice(0, 8)}.`;
const fast: Partial<KafkaBusOptions> = { produceTimeoutMs: 3000, connectionTimeoutMs: 1000 };

describe.skipIf(unavailable !== undefined)("kafka bus", () => {
  const dataDir = broker?.dataDir;
  afterAll(async () => {
    await broker?.stop();
    // The broker-down test restarts the broker on the same (temporary) directory; remove it here.
    if (dataDir) await rm(dataDir, { recursive: true, force: true });
  });

  busContractSuite("kafka", async () => {
    const options: KafkaBusOptions = { brokers, topicPrefix: runPrefix, ...fast };
    let bus: Bus = await createKafkaBus(options);
    return {
      bus,
      restart: async () => {
        await bus.close();
        bus = await createKafkaBus(options);
        return bus;
      },
      cleanup: async () => {
        await bus.close();
      },
    };
  });

  describe("kafka specifics", () => {
    it("createBus({ kind: 'kafka' }) builds the Kafka bus; topics carry the prefix on the cluster", async () => {
      const bus = await createBus({ kind: "kafka", brokers, topicPrefix: runPrefix, ...fast });
      expect(bus.kind).toBe("kafka");
      await bus.ensureTopics([{ name: "spans", partitions: 2 }]);
      const plain = await createKafkaBus({ brokers, ...fast });
      await expect(plain.lag("g", [`${runPrefix}spans`])).resolves.toHaveLength(2);
      await plain.close();
      await bus.close();
    });

    it("several processes creating the same new topics at once all succeed (no 'does not host this topic-partition')", async () => {
      const buses = await Promise.all(Array.from({ length: 8 }, () => createKafkaBus({ brokers, topicPrefix: runPrefix, partitions: 8, ...fast })));
      try {
        const topics = ["dlq", "status", "deliver.a", "deliver.b", "deliver.c", "deliver.d", "spans", "x"].map((name) => ({ name: `race-${name}` }));
        await Promise.all(buses.map((b) => b.ensureTopics(topics)));
        await Promise.all(buses.map((b, i) => b.produce("race-status", [{ key: `k${i}`, value: `v${i}` }])));
      } finally {
        await Promise.all(buses.map((b) => b.close()));
      }
    });

    it("refuses a missing topic with createTopics: false, naming it", async () => {
      const bus = await createKafkaBus({ brokers, topicPrefix: runPrefix, createTopics: false, ...fast });
      await expect(bus.ensureTopics([{ name: "absent" }])).rejects.toThrow(`"${runPrefix}absent" does not exist`);
      await bus.close();
    });

    it("names the topic and the broker's reason when creation is refused", async () => {
      const bus = await createKafkaBus({ brokers, topicPrefix: runPrefix, replicationFactor: 3, ...fast });
      await expect(bus.ensureTopics([{ name: "over-replicated" }])).rejects.toThrow(/could not create topic "t[0-9a-f]+\.over-replicated": INVALID_REPLICATION_FACTOR/);
      await bus.close();
    });

    it("a consumer of the same group on a new bus object resumes after the committed offset", async () => {
      const options = { brokers, topicPrefix: runPrefix, ...fast };
      const first = await createKafkaBus(options);
      const topic = `resume-${randomUUID().slice(0, 8)}`;
      const group = `group-${randomUUID().slice(0, 8)}`;
      await first.ensureTopics([{ name: topic, partitions: 2 }]);
      await first.produce(topic, keyed("a", 10));
      expect(await collect(first, group, topic, 10)).toHaveLength(10);
      await first.close();

      const second = await createKafkaBus(options);
      await second.produce(topic, keyed("b", 4));
      const rest = await collect(second, group, topic, 4);
      expect(rest.map((r) => r.key).sort()).toEqual(keyed("b", 4).map((m) => m.key).sort());
      expect((await second.lag(group, [topic])).reduce((s, l) => s + l.lag, 0)).toBe(0);
      await expect(second.seek(group, "no-such-topic-here", 0, 0)).rejects.toThrow(`"${runPrefix}no-such-topic-here" does not exist`);
      await expect(second.lag(group, ["no-such-topic-here"])).rejects.toThrow("does not exist");
      await second.close();
    });

    it("two consumers of one group share its partitions through a rebalance, and together get every record", async () => {
      const bus = await createKafkaBus({ brokers, topicPrefix: runPrefix, ...fast });
      const topic = `shared-${randomUUID().slice(0, 8)}`;
      const group = `group-${randomUUID().slice(0, 8)}`;
      await bus.ensureTopics([{ name: topic, partitions: 4 }]);
      const seen = new Map<string, number[]>();
      const consumersOfPartition = new Map<number, Set<string>>();
      const handlerOf = (name: string) => async (batch: BusRecord[]) => {
        for (const r of batch) {
          seen.set(r.key, [...(seen.get(r.key) ?? []), r.offset]);
          consumersOfPartition.set(r.partition, (consumersOfPartition.get(r.partition) ?? new Set()).add(name));
        }
      };
      const a = await bus.consume({ group, topics: [topic], handler: handlerOf("a") });
      await bus.produce(topic, keyed("first", 40));
      const b = await bus.consume({ group, topics: [topic], handler: handlerOf("b") });
      await bus.produce(topic, keyed("second", 40));
      const deadline = Date.now() + 30_000;
      while (seen.size < 80 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
      await Promise.all([a.stop(), b.stop()]);
      expect(seen.size).toBe(80);
      expect((await bus.lag(group, [topic])).reduce((sum, l) => sum + l.lag, 0)).toBe(0);
      await bus.produce(topic, keyed("third", 3));
      expect(await bus.lagReadings([{ group, topics: [topic] }])).toEqual([{ group, topic, lag: 3 }]);
      const names = new Set([...consumersOfPartition.values()].flatMap((set) => [...set]));
      expect(names).toEqual(new Set(["a", "b"]));
      await bus.close();
    });

    it("seek() is refused while the group has a running consumer", async () => {
      const bus = await createKafkaBus({ brokers, topicPrefix: runPrefix, ...fast });
      const topic = `seek-${randomUUID().slice(0, 8)}`;
      const group = `group-${randomUUID().slice(0, 8)}`;
      await bus.ensureTopics([{ name: topic, partitions: 1 }]);
      const consumer = await bus.consume({ group, topics: [topic], handler: async () => {} });
      await expect(bus.seek(group, topic, 0, 0)).rejects.toThrow(/being consumed/);
      const other = await createKafkaBus({ brokers, topicPrefix: runPrefix, ...fast });
      await expect(other.seek(group, topic, 0, 0)).rejects.toThrow(/running consumers \(state (Stable|PreparingRebalance|CompletingRebalance)\)/);
      await other.close();
      await consumer.stop();
      await bus.close();
    });

    // Last: stops the broker (when this file started it) and starts it again on the same port.
    it.skipIf(!broker)(
      "while the broker is down produce() rejects with BusUnavailableError within produceTimeoutMs; producer and a running consumer recover",
      async () => {
        const b = broker!;
        const produceTimeoutMs = 2000;
        const bus = await createKafkaBus({ brokers, topicPrefix: runPrefix, produceTimeoutMs, connectionTimeoutMs: 500, sessionTimeoutMs: 6000 });
        const topic = `down-${randomUUID().slice(0, 8)}`;
        await bus.ensureTopics([{ name: topic, partitions: 1 }]);
        await bus.produce(topic, keyed("up", 1));
        // A consumer that lives through the outage must carry on by itself afterwards.
        const live: BusRecord[] = [];
        const survivor = await bus.consume({
          group: `survivor-${randomUUID().slice(0, 8)}`,
          topics: [topic],
          handler: async (batch) => {
            live.push(...batch);
          },
        });
        await b.stop({ keepData: true });
        try {
          for (let i = 0; i < 2; i++) {
            const started = Date.now();
            const error = await bus.produce(topic, keyed("down", 1)).then(
              () => undefined,
              (e: unknown) => e,
            );
            const took = Date.now() - started;
            expect(error).toBeInstanceOf(BusUnavailableError);
            expect((error as BusUnavailableError).code).toBe("TR_BUS_UNAVAILABLE");
            expect(took).toBeLessThan(produceTimeoutMs + 1000);
          }
        } finally {
          broker = await startKafka({ dataDir: b.dataDir, port: b.port, controllerPort: b.controllerPort });
        }
        const deadline = Date.now() + 30_000;
        for (;;) {
          try {
            await bus.produce(topic, keyed("again", 1));
            break;
          } catch (error) {
            if (!(error instanceof BusUnavailableError) || Date.now() > deadline) throw error;
          }
        }
        const records = await collect(bus, `group-${randomUUID().slice(0, 8)}`, topic, 2);
        expect(records.map((r) => r.key)).toContain("again-0");
        const liveDeadline = Date.now() + 30_000;
        while (!live.some((r) => r.key === "again-0") && Date.now() < liveDeadline) await new Promise((r) => setTimeout(r, 100));
        expect(live.map((r) => r.key)).toEqual(expect.arrayContaining(["up-0", "again-0"]));
        await survivor.stop();
        await bus.close();
        await expect(bus.produce(topic, keyed("closed", 1))).rejects.toBeInstanceOf(BusUnavailableError);
      },
      90_000,
    );
  });
});

function keyed(prefix: string, count: number): Array<{ key: string; value: string }> {
  return Array.from({ length: count }, (_, i) => ({ key: `${prefix}-${i}`, value: `value of ${prefix}-${i}` }));
}

async function collect(bus: Bus, group: string, topic: string, count: number): Promise<BusRecord[]> {
  const records: BusRecord[] = [];
  let reached!: () => void;
  const enough = new Promise<void>((resolve) => {
    reached = resolve;
  });
  const consumer = await bus.consume({
    group,
    topics: [topic],
    handler: async (batch) => {
      records.push(...batch);
      if (records.length >= count) reached();
    },
  });
  let timer: NodeJS.Timeout | undefined;
  try {
    await Promise.race([
      enough,
      new Promise((_, reject) => {
        timer = setTimeout(() => reject(new Error(`timed out waiting for ${count} records (got ${records.length})`)), 30_000);
      }),
    ]);
  } finally {
    clearTimeout(timer);
    await consumer.stop();
  }
  return records;
}

// Throughput of the embedded bus on this machine:
//   node_modules/.bin/node lib/bus/embedded/bench.ts [--records 100000] [--bytes 5120] [--producers 64] [--batch 1] [--partitions 4]
// Phase 1: `producers` concurrent loops each produce `batch` records per call (every call waits for
// fsync, so the rate shows how well group commit coalesces). Phase 2: one consumer group reads the
// whole backlog from disk, committing after every batch. Uses a temp dir under os.tmpdir().
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { parseArgs } from "node:util";
import { createEmbeddedBus } from "./bus.ts";

const { values: args } = parseArgs({
  options: {
    records: { type: "string", default: "100000" },
    bytes: { type: "string", default: "5120" },
    producers: { type: "string", default: "64" },
    batch: { type: "string", default: "1" },
    partitions: { type: "string", default: "4" },
  },
});
const records = Number(args.records);
const bytes = Number(args.bytes);
const producers = Number(args.producers);
const batch = Number(args.batch);

const dir = await mkdtemp(path.join(tmpdir(), "tracerelay-bench-"));
const bus = await createEmbeddedBus({ dir, partitions: Number(args.partitions) });
try {
  await bus.ensureTopics([{ name: "bench" }]);
  const value = Buffer.from("x".repeat(bytes));
  const latencies: number[] = [];
  let issued = 0;
  const produceStart = performance.now();
  await Promise.all(
    Array.from({ length: producers }, async () => {
      while (issued < records) {
        const count = Math.min(batch, records - issued);
        const first = issued;
        issued += count;
        const started = performance.now();
        await bus.produce("bench", Array.from({ length: count }, (_, i) => ({ key: `trace-${(first + i) % 10_000}`, value })));
        latencies.push(performance.now() - started);
      }
    }),
  );
  report("produce", records, performance.now() - produceStart);
  latencies.sort((a, b) => a - b);
  const percentile = (p: number) => latencies[Math.min(latencies.length - 1, Math.floor(latencies.length * p))].toFixed(2);
  console.log(`  produce() latency ms: p50 ${percentile(0.5)}, p99 ${percentile(0.99)}, max ${percentile(1)}`);

  let consumed = 0;
  let done!: () => void;
  const all = new Promise<void>((resolve) => {
    done = resolve;
  });
  const consumeStart = performance.now();
  const consumer = await bus.consume({
    group: "bench",
    topics: ["bench"],
    handler: async (records) => {
      consumed += records.length;
      if (consumed >= Number(args.records)) done();
    },
  });
  await all;
  report("consume", consumed, performance.now() - consumeStart);
  await consumer.stop();
} finally {
  await bus.close();
  await rm(dir, { recursive: true, force: true });
}

function report(phase: string, count: number, ms: number): void {
  const perSecond = count / (ms / 1000);
  console.log(`${phase}: ${count} records of ${bytes} B in ${ms.toFixed(0)} ms = ${Math.round(perSecond)} records/s, ${((perSecond * bytes) / 1e6).toFixed(1)} MB/s (producers=${producers}, batch=${batch}, partitions=${args.partitions})`);
}

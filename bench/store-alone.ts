// The store engine alone: what the embedded ClickHouse engine (chDB) costs per span when nothing else
// runs in the process — no HTTP, no bus, no router. It is the floor under `npm run bench`'s end-to-end
// figure: the pipeline cannot store spans faster than the engine alone can insert them on this machine.
// Prints, in its own process (so the sender's buffers do not blur the memory figures):
//   - RSS after loading the engine and opening the store (file-backed pages of libchdb vs anonymous);
//   - inserts of the benchmark traffic's canonical spans in the deliver role's batch size, with the
//     deliver role's two inserts in flight: spans/s and CPU µs per span over every thread of the process
//     (the engine's parse, materialized views, compression and part writes);
//   - how much anonymous memory the engine took on top while inserting (peak minus before).
// Usage: node bench/store-alone.ts [--spans 40000] [--batch 1000] [--in-flight 2]
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { normalizeOtlp } from "../services/ingest/normalizers/otlp.ts";
import { decodeOtlpTraces } from "../services/ingest/otlp/decode.ts";
import { formatMemory, memoryOf } from "./load/memory.ts";
import { buildTemplates, stamp } from "./load/otlp-bodies.ts";

const { values } = parseArgs({
  options: {
    spans: { type: "string", default: "40000" },
    batch: { type: "string", default: "1000" },
    "in-flight": { type: "string", default: "2" },
  },
});
const total = Number(values.spans);
const batchSize = Number(values.batch);
const inFlight = Number(values["in-flight"]);

const atStart = await memoryOf("self");
// Imported only now, so the first figure is the process without the engine's library mapped.
const { openStore } = await import("../lib/store/index.ts");
const { joinLines } = await import("../lib/store/span-insert.ts");
const dir = await mkdtemp(join(tmpdir(), "tracerelay-store-alone-"));
const store = await openStore({ dataDir: dir });
const opened = await memoryOf("self");

// The same traffic as npm run bench, normalized once: canonical span JSON as the bus carries it.
const templates = buildTemplates(40, 100);
const lines: Buffer[] = [];
for (let seq = 1; lines.length < total; seq++) {
  const body = stamp(templates[seq % templates.length], seq);
  for (const span of normalizeOtlp(decodeOtlpTraces(body, "application/x-protobuf"), { projectId: "bench", format: "otlp" }).spans) {
    lines.push(Buffer.from(JSON.stringify(span)));
  }
}
const batches: Buffer[] = [];
for (let i = 0; i < lines.length; i += batchSize) batches.push(joinLines(lines.slice(i, i + batchSize)));
const spanBytes = lines.reduce((n, l) => n + l.length, 0) / lines.length;
const spans = lines.length - Math.min(batchSize, lines.length); // the first batch warms up
lines.length = 0;

try {
  // Warm-up insert (first part, first merge thread), not counted.
  await store.insertSpanLines(batches[0]);
  const before = await memoryOf("self");
  let peakAnon = before.anon;
  const sampler = setInterval(() => void memoryOf("self").then((m) => (peakAnon = Math.max(peakAnon, m.anon))), 20);
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  let next = 1;
  await Promise.all(
    Array.from({ length: inFlight }, async () => {
      while (next < batches.length) await store.insertSpanLines(batches[next++]);
    }),
  );
  const ms = performance.now() - t0;
  const cpu = process.cpuUsage(cpu0);
  clearInterval(sampler);
  const cpuPerSpan = (cpu.user + cpu.system) / spans;
  console.log(`[store engine alone, chDB] ${spans} spans of ${(spanBytes / 1024).toFixed(1)} KiB canonical JSON, ${batchSize}-span inserts, ${inFlight} in flight`);
  console.log(`  engine loaded, store open: ${formatMemory(opened)} (before loading the engine: ${formatMemory(atStart)})`);
  console.log(`  inserts: ${Math.round((spans / ms) * 1000)} spans/s (${((spanBytes * spans) / ms / 1000).toFixed(1)} MB/s); CPU ${cpuPerSpan.toFixed(0)} µs per span over all threads`);
  console.log(`    → at most ${Math.round(2e6 / cpuPerSpan)} spans/s on 2 fully busy cores with nothing else running`);
  console.log(`  anonymous memory while inserting: +${(peakAnon - before.anon).toFixed(0)} MB over the ${before.anon.toFixed(0)} MB before (peak sampled every 20 ms)`);
} finally {
  await store.close();
  await rm(dir, { recursive: true, force: true });
}

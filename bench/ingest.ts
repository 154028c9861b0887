// Ingest benchmark (issue: walking skeleton). Prints:
//  1. the edge alone — OTLP protobuf decode + normalize in this process on one core: spans/s, MB/s;
//  2. the store engine alone (bench/store-alone.ts, its own process): chDB inserting the same spans with
//     nothing else running — spans/s, CPU µs per span, its memory: the floor under the figures below;
//  3. end to end on a real `tracerelay start` process (embedded bus + chDB): closed-loop max load,
//     sustained spans/s counted from the first request until the STORE has every acknowledged span;
//  4. acknowledgement latency p50/p99 at half that load (open loop);
//  5. the server's peak RSS (VmHWM), and what it holds at the end (anonymous vs file-backed).
// Realistic LLM spans: agent traces whose chat spans carry 1–10 KB message payloads (bench/load).
// Usage: npm run bench [-- --seconds 20 --spans-per-request 100 --concurrency 16]
import { spawnSync } from "node:child_process";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { normalizeOtlp } from "../services/ingest/normalizers/otlp.ts";
import { decodeOtlpTraces } from "../services/ingest/otlp/decode.ts";
import { startTracerelay } from "../test/harness/tracerelay.ts";
import { formatMemory, memoryOf } from "./load/memory.ts";
import { buildTemplates, stamp } from "./load/otlp-bodies.ts";
import { percentile, runLoad } from "./load/sender.ts";

const { values } = parseArgs({
  options: {
    seconds: { type: "string", default: "20" },
    "spans-per-request": { type: "string", default: "100" },
    concurrency: { type: "string", default: "16" },
  },
});
const seconds = Number(values.seconds);
const spansPerRequest = Number(values["spans-per-request"]);
const concurrency = Number(values.concurrency);

const templates = buildTemplates(40, spansPerRequest);
const avgBody = templates.reduce((s, t) => s + t.body.length, 0) / templates.length;
const avgSpans = templates.reduce((s, t) => s + t.spans, 0) / templates.length;
console.log(`traffic: ${templates.length} templates, ${avgSpans.toFixed(0)} spans/request, ${(avgBody / 1024).toFixed(0)} KiB/request protobuf (${(avgBody / avgSpans / 1024).toFixed(1)} KiB/span)`);

// 1. Edge alone.
let edgeMicros = 0;
{
  let spans = 0;
  let bytes = 0;
  let seq = 1;
  const t0 = performance.now();
  while (performance.now() - t0 < 5000) {
    const t = templates[seq % templates.length];
    const body = stamp(t, seq++);
    const result = normalizeOtlp(decodeOtlpTraces(body, "application/x-protobuf"), { projectId: "bench", format: "otlp" });
    spans += result.spans.length;
    bytes += body.length;
  }
  const s = (performance.now() - t0) / 1000;
  edgeMicros = (s * 1e6) / spans;
  console.log(`\n[edge alone, 1 core] decode+normalize: ${(spans / s).toFixed(0)} spans/s, ${(bytes / s / 1e6).toFixed(1)} MB/s`);
}

// 2. The store engine alone, in its own process: the floor under the end-to-end figure.
{
  const alone = spawnSync(process.execPath, [fileURLToPath(new URL("./store-alone.ts", import.meta.url))], { encoding: "utf8" });
  console.log(`\n${(alone.stdout || alone.stderr).trim()}`);
  // What the two cores must spend per stored span at the least: the engine's insert plus the edge's
  // decode + normalize (the bus, the router and the deliver role come on top).
  const engineMicros = Number(/CPU (\d+(?:\.\d+)?) µs per span/.exec(alone.stdout)?.[1] ?? Number.NaN);
  const floor = engineMicros + edgeMicros;
  console.log(`\n[floor] engine ${engineMicros.toFixed(0)} µs + edge ${edgeMicros.toFixed(0)} µs = ${floor.toFixed(0)} µs of CPU per stored span → at most ${Math.round(2e6 / floor)} spans/s end to end on 2 cores, before the bus, the router and the deliver role`);
}

const server = await startTracerelay({ logLevel: "info", readyTimeoutMs: 120_000 });
const pid = server.child.pid!;
const url = `${server.url}/v1/traces`;
const headers = { ...server.authHeaders(), "content-type": "application/x-protobuf" };
let seq = 1;
const next = () => {
  const t = templates[seq % templates.length];
  return { body: stamp(t, seq++), spans: t.spans };
};

async function storedSpans(): Promise<number> {
  const res = await fetch(`${server.url}/metrics`);
  const m = /^tracerelay_store_spans_written_total (\d+(?:\.\d+)?(?:e\+\d+)?)/m.exec(await res.text());
  return m ? Number(m[1]) : 0;
}
async function waitStored(target: number, timeoutMs: number): Promise<number> {
  const t0 = performance.now();
  while (performance.now() - t0 < timeoutMs) {
    if ((await storedSpans()) >= target) return performance.now();
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`store did not catch up: ${await storedSpans()} of ${target} spans after ${timeoutMs} ms`);
}

try {
  // Warm up (JIT, chDB first inserts), then measure from a clean store count.
  await runLoad({ url, headers, next, concurrency: 4, durationMs: 3000 });
  await runLoad({ url, headers, next, concurrency: 1, durationMs: 10 });
  await waitStored(0, 1);
  const base = await storedSpans();

  // 3. Closed-loop max load; sustained = acked spans / time until the store holds them all.
  const t0 = performance.now();
  const max = await runLoad({ url, headers, next, concurrency, durationMs: seconds * 1000 });
  const storedAt = await waitStored(base + max.spansAcked, 300_000);
  const ingestRate = max.spansAcked / (max.elapsedMs / 1000);
  const e2eRate = max.spansAcked / ((storedAt - t0) / 1000);
  console.log(`\n[end to end, max load, concurrency ${concurrency}, ${seconds} s]`);
  console.log(`  requests ${max.requests} (ok ${max.ok}, statuses ${JSON.stringify(max.statuses)})`);
  console.log(`  acknowledged: ${ingestRate.toFixed(0)} spans/s (${(max.bytesSent / (max.elapsedMs / 1000) / 1e6).toFixed(1)} MB/s in)`);
  console.log(`  end to end (acked → in store): ${e2eRate.toFixed(0)} spans/s; store caught up ${((storedAt - t0) / 1000 - max.elapsedMs / 1000).toFixed(1)} s after the load stopped`);
  console.log(`  ack latency at max load: p50 ${percentile(max.latencies, 50).toFixed(1)} ms, p99 ${percentile(max.latencies, 99).toFixed(1)} ms`);

  // 4. Half load, open loop: latency.
  const halfRate = e2eRate / 2 / avgSpans; // requests/s
  const before = await storedSpans();
  const half = await runLoad({ url, headers, next, concurrency: 64, durationMs: seconds * 1000, ratePerSec: halfRate });
  await waitStored(before + half.spansAcked, 300_000);
  console.log(`\n[half load: ${(halfRate * avgSpans).toFixed(0)} spans/s offered, ${seconds} s]`);
  console.log(`  acknowledged ${(half.spansAcked / (half.elapsedMs / 1000)).toFixed(0)} spans/s, statuses ${JSON.stringify(half.statuses)}`);
  console.log(`  ack latency p50 ${percentile(half.latencies, 50).toFixed(2)} ms, p99 ${percentile(half.latencies, 99).toFixed(2)} ms (per request of ${avgSpans.toFixed(0)} spans)`);

  const memory = await memoryOf(pid);
  const peak = memory.peak;
  console.log(`\n[memory] server peak RSS ${peak.toFixed(0)} MB (now ${formatMemory(memory)})`);

  console.log("\n[targets]");
  console.log(`  >= 20,000 spans/s end to end: ${e2eRate.toFixed(0)} ${e2eRate >= 20000 ? "MET" : "MISSED"}`);
  console.log(`  p99 ack < 10 ms at half load: ${percentile(half.latencies, 99).toFixed(2)} ms ${percentile(half.latencies, 99) < 10 ? "MET" : "MISSED"}`);
  console.log(`  RSS < 400 MB: ${peak.toFixed(0)} MB ${peak < 400 ? "MET" : "MISSED"}`);
} finally {
  await server.close();
}

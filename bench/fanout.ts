// Fan-out benchmark (issue 5): spans/s delivered when 1, 3 and 6 webhook destinations are configured,
// each with its own local receiver, through the real process (ingest → bus → router → deliver.<name>
// → shared delivery helper → HTTP). Rules route every span to the webhooks only (`default_route`), so
// the store's insert cost does not hide the fan-out cost. Rate = spans sent ÷ time until EVERY
// receiver has every span; ratio = rate(N) ÷ rate(1) in the same run. Then the catch-up after an
// outage at half load: one destination answers 503 for FANOUT_OUTAGE_S (default 60; the issue's
// figure is 600) while half the 1-destination rate keeps flowing; after recovery we time how fast the
// backlog drains.
//
// The three cases run in FANOUT_ROUNDS interleaved rounds (default 3); the figures are the medians.
//
//   node bench/fanout.ts            FANOUT_SPANS=60000 FANOUT_OUTAGE_S=600 node bench/fanout.ts
import { readFileSync } from "node:fs";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { startTracerelay, type Tracerelay } from "../test/harness/tracerelay.ts";
import { buildTemplates, stamp } from "./load/otlp-bodies.ts";
import { runLoad } from "./load/sender.ts";

const TOTAL = Number(process.env.FANOUT_SPANS ?? 40_000);
const OUTAGE_S = Number(process.env.FANOUT_OUTAGE_S ?? 60);
const ROUNDS = Number(process.env.FANOUT_ROUNDS ?? 3);
const CONCURRENCY = Number(process.env.FANOUT_CONCURRENCY ?? 8);
const SPANS_PER_REQUEST = 50;
const SECRET = "whsec_bench_fanout_0123456789";

interface Receiver {
  url: string;
  spans: number;
  /** Answer 503 while true. */
  down: boolean;
  close(): Promise<void>;
}

/** A cheap receiver: counts `"span_id":` occurrences instead of parsing (it shares the CPU with the server). */
async function startReceiver(): Promise<Receiver> {
  const needle = Buffer.from('"span_id":');
  const r: Receiver = { url: "", spans: 0, down: false, close: async () => {} };
  const server: Server = createServer((req, res) => {
    // counted chunk by chunk (a needle may straddle two chunks: the previous chunk's tail is kept)
    let found = 0;
    let tail = Buffer.alloc(0);
    req.on("data", (chunk: Buffer) => {
      const edge = Buffer.concat([tail, chunk.subarray(0, needle.length - 1)]);
      for (let at = edge.indexOf(needle); at >= 0; at = edge.indexOf(needle, at + 1)) if (at < tail.length) found++;
      for (let at = chunk.indexOf(needle); at >= 0; at = chunk.indexOf(needle, at + needle.length)) found++;
      tail = Buffer.from(chunk.subarray(Math.max(0, chunk.length - needle.length + 1)));
    });
    req.on("end", () => {
      if (r.down) {
        res.writeHead(503).end("down for the benchmark");
        return;
      }
      r.spans += found;
      res.writeHead(200).end("ok");
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  r.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`;
  r.close = () => new Promise((resolve) => server.close(() => resolve()));
  return r;
}

function configFor(receivers: Receiver[]): string {
  const names = receivers.map((_, i) => `hook${i + 1}`);
  const hooks = receivers
    .map(
      (r, i) => `  ${names[i]}:
    type: webhook
    url: ${r.url}
    secret: ${SECRET}
    delivery:
      batch: { max_spans: 500, max_wait_ms: 200 }
      retry: { window: 1h, initial_backoff_ms: 200, max_backoff_ms: 2000 }
      breaker: { reset_timeout_ms: 2000 }`,
    )
    .join("\n");
  return `destinations:\n${hooks}\nrules:\n  default_route: [${names.join(", ")}]\nstatus:\n  heartbeat_ms: 1000\n`;
}

const templates = buildTemplates(40, SPANS_PER_REQUEST);
let seq = 1;
const next = () => {
  const t = templates[seq % templates.length];
  return { body: stamp(t, seq++), spans: t.spans };
};
const avgSpans = templates.reduce((s, t) => s + t.spans, 0) / templates.length;

/** CPU seconds (user + system) the process has used so far, from /proc (Linux). */
function serverCpuSeconds(pid: number | undefined): number {
  const fields = readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1].split(" ");
  return (Number(fields[11]) + Number(fields[12])) / 100; // utime, stime in clock ticks (USER_HZ = 100)
}

async function until(what: string, cond: () => boolean, timeoutMs: number): Promise<number> {
  const t0 = performance.now();
  while (!cond()) {
    if (performance.now() - t0 > timeoutMs) throw new Error(`timed out: ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
  return performance.now();
}

async function withTracerelay<T>(receivers: Receiver[], run: (tr: Tracerelay) => Promise<T>): Promise<T> {
  const tr = await startTracerelay({ config: configFor(receivers), logLevel: "info", readyTimeoutMs: 120_000, env: process.env.FANOUT_PROFILE ? { NODE_OPTIONS: `--cpu-prof --cpu-prof-dir=${process.env.FANOUT_PROFILE}` } : {} });
  try {
    return await run(tr);
  } finally {
    await tr.close();
  }
}

/** Sends TOTAL spans as fast as 8 concurrent requests go; returns spans/s until every receiver has them all. */
async function fanOut(n: number): Promise<number> {
  const receivers = await Promise.all(Array.from({ length: n }, startReceiver));
  try {
    return await withTracerelay(receivers, async (tr) => {
      const url = `${tr.url}/v1/traces`;
      const headers = { ...tr.authHeaders(), "content-type": "application/x-protobuf" };
      // Warm-up: JIT and the first batches, not counted.
      const warm = await runLoad({ url, headers, next, concurrency: 4, durationMs: 1500 });
      await until("warm-up delivered", () => receivers.every((r) => r.spans >= warm.spansAcked), 120_000);
      for (const r of receivers) r.spans = 0;
      const cpu0 = { server: serverCpuSeconds(tr.child.pid), bench: process.cpuUsage() };
      const t0 = performance.now();
      let sent = 0;
      while (sent < TOTAL) {
        const res = await runLoad({ url, headers, next, concurrency: CONCURRENCY, durationMs: 250 });
        sent += res.spansAcked;
      }
      const done = await until(`${n} receivers × ${sent} spans`, () => receivers.every((r) => r.spans >= sent), 600_000);
      const rate = sent / ((done - t0) / 1000);
      const bench = process.cpuUsage(cpu0.bench);
      const cpu = `CPU: server ${((serverCpuSeconds(tr.child.pid) - cpu0.server) / ((done - t0) / 1000)).toFixed(2)} cores, load generator + receivers ${((bench.user + bench.system) / 1000 / (done - t0)).toFixed(2)}`;
      console.log(`  ${n} destination(s): ${sent} spans to each in ${((done - t0) / 1000).toFixed(1)} s → ${rate.toFixed(0)} spans/s per destination (${(rate * n).toFixed(0)} deliveries/s; ${cpu})`);
      return rate;
    });
  } finally {
    await Promise.all(receivers.map((r) => r.close()));
  }
}

async function catchUp(halfRate: number): Promise<void> {
  const receiver = await startReceiver();
  try {
    await withTracerelay([receiver], async (tr) => {
      const url = `${tr.url}/v1/traces`;
      const headers = { ...tr.authHeaders(), "content-type": "application/x-protobuf" };
      const load = (ms: number) => runLoad({ url, headers, next, concurrency: 16, durationMs: ms, ratePerSec: halfRate / avgSpans });
      receiver.down = true;
      const outage = await load(OUTAGE_S * 1000);
      const backlog = outage.spansAcked - receiver.spans;
      receiver.down = false;
      const t0 = performance.now();
      // Half load keeps flowing while the backlog drains.
      let sent = outage.spansAcked;
      let drained: number | undefined;
      while (drained === undefined) {
        const more = await load(1000);
        sent += more.spansAcked;
        if (receiver.spans >= sent - more.spansAcked) drained = performance.now();
        if (performance.now() - t0 > 600_000) throw new Error("backlog did not drain in 10 minutes");
      }
      await until("the last spans", () => receiver.spans >= sent, 60_000);
      const s = (drained - t0) / 1000;
      console.log(`  outage ${OUTAGE_S} s at ${halfRate.toFixed(0)} spans/s: backlog ${backlog} spans, drained in ${s.toFixed(1)} s while the load went on`);
      console.log(`  catch-up rate: ${((backlog + halfRate * s) / s).toFixed(0)} spans/s delivered (${(backlog / s).toFixed(0)} spans/s above the incoming load); nothing lost: ${receiver.spans >= sent ? "yes" : "NO"} (${receiver.spans} of ${sent})`);
    });
  } finally {
    await receiver.close();
  }
}

console.log(`[fan-out] ${TOTAL} spans, OTLP protobuf requests of ~${avgSpans.toFixed(0)} spans, webhook destinations on loopback`);
const only = process.env.FANOUT_ONLY; // e.g. FANOUT_ONLY=3 for a profile run of one case
if (only) {
  await fanOut(Number(only));
  process.exit(0);
}
// Rounds of 1, 3 and 6 interleaved (a drift of the shared machine hits every case alike); medians.
const runs: Record<1 | 3 | 6, number[]> = { 1: [], 3: [], 6: [] };
for (let round = 1; round <= ROUNDS; round++) {
  if (ROUNDS > 1) console.log(` round ${round} of ${ROUNDS}`);
  for (const n of [1, 3, 6] as const) runs[n].push(await fanOut(n));
}
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const [one, three, six] = [median(runs[1]), median(runs[3]), median(runs[6])];
if (ROUNDS > 1) console.log(`\n  medians: 1 → ${one.toFixed(0)}, 3 → ${three.toFixed(0)}, 6 → ${six.toFixed(0)} spans/s per destination; ratio per round at 3: ${runs[3].map((r, i) => (r / runs[1][i]).toFixed(2)).join(", ")}`);
console.log(`\n  ratio to 1 destination: 3 → ${(three / one).toFixed(2)} (target ≥ 0.7: ${three / one >= 0.7 ? "MET" : "MISSED"}), 6 → ${(six / one).toFixed(2)}`);
console.log(`\n[catch-up after an outage at half load]`);
await catchUp(one / 2);

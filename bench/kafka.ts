// Scale-out benchmark on a REAL Kafka broker (issue 3). Prints:
//  1. end to end (acknowledged → in the store, as bench/ingest.ts measures it) with the roles as
//     separate processes on Kafka, 1 instance per role: ingest, route, deliver(store)+explorer;
//  2. the same with 2 ingest + 2 route processes (deliver to the store stays ONE process: the embedded
//     chDB store can be opened by one process only; with a ClickHouse server it could scale too);
//  3. the same load on the embedded bus (`tracerelay start`, one process) in the same run;
//     and the ratios between them;
//  4. consumer lag recovery: at half the rate of (1), the deliver(store) process is killed (SIGKILL)
//     for 60 s and restarted; prints the deliver.store lag it left behind and how long until
//     `tracerelay_bus_lag_records{group="deliver.store"}` on the restarted process is back to 0
//     (and back to the level it had under the same load before the stop).
// Also per process CPU seconds during each measured phase and the machine's CPU busy share (the
// machine has 2 cores and may be shared: a busy share above what the processes here used means
// other work ran at the same time).
// Traffic: bench/load (pre-encoded OTLP protobuf, realistic LLM spans ~3.7 KiB each).
// Usage: node bench/kafka.ts [--seconds 20] [--spans-per-request 100] [--concurrency 16] [--outage 60]
//        KAFKA_BROKERS=host:port uses an existing broker instead of starting one.
import { readFile, rm } from "node:fs/promises";
import { randomUUID } from "node:crypto";
import { parseArgs } from "node:util";
import { createKafkaBus } from "../lib/bus/kafka/bus.ts";
import { startKafka, type KafkaBroker } from "../scripts/kafka/broker.ts";
import { KAFKA_VERSION } from "../scripts/kafka/install.ts";
import { randomKeys, sleep, startTracerelay, type Tracerelay } from "../test/harness/tracerelay.ts";
import { buildTemplates, stamp } from "./load/otlp-bodies.ts";
import { percentile, runLoad, type LoadResult } from "./load/sender.ts";

const { values } = parseArgs({
  options: {
    seconds: { type: "string", default: "20" },
    "spans-per-request": { type: "string", default: "100" },
    concurrency: { type: "string", default: "16" },
    outage: { type: "string", default: "60" },
    "skip-lag": { type: "boolean", default: false },
  },
});
const seconds = Number(values.seconds);
const spansPerRequest = Number(values["spans-per-request"]);
const concurrency = Number(values.concurrency);
const outageSeconds = Number(values.outage);

const templates = buildTemplates(40, spansPerRequest);
const avgSpans = templates.reduce((s, t) => s + t.spans, 0) / templates.length;
const avgBody = templates.reduce((s, t) => s + t.body.length, 0) / templates.length;
console.log(`traffic: ${avgSpans.toFixed(0)} spans/request, ${(avgBody / 1024).toFixed(0)} KiB/request protobuf; closed loop, ${concurrency} connections, ${seconds} s per phase`);
let seq = 1;
const next = () => {
  const t = templates[seq % templates.length];
  return { body: stamp(t, seq++), spans: t.spans };
};
const keys = randomKeys();

// ---- machine and process CPU
async function machineTicks(): Promise<{ busy: number; total: number }> {
  const cpu = (await readFile("/proc/stat", "utf8")).split("\n")[0].trim().split(/\s+/).slice(1).map(Number);
  const idle = cpu[3] + cpu[4];
  const total = cpu.reduce((a, b) => a + b, 0);
  return { busy: total - idle, total };
}
async function processCpuSeconds(pid: number | undefined): Promise<number> {
  if (!pid) return 0;
  try {
    const stat = await readFile(`/proc/${pid}/stat`, "utf8");
    const f = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    return (Number(f[11]) + Number(f[12])) / 100; // utime + stime, clock ticks (100/s)
  } catch {
    return 0;
  }
}
async function cpuSnapshot(procs: Array<{ name: string; p: Tracerelay }>) {
  return { machine: await machineTicks(), procs: await Promise.all(procs.map(async ({ name, p }) => ({ name, cpu: await processCpuSeconds(p.child.pid) }))), self: process.cpuUsage() };
}
function cpuReport(before: Awaited<ReturnType<typeof cpuSnapshot>>, after: Awaited<ReturnType<typeof cpuSnapshot>>, wallS: number): string {
  const busy = (after.machine.busy - before.machine.busy) / (after.machine.total - before.machine.total);
  const parts = after.procs.map((a, i) => `${a.name} ${(a.cpu - before.procs[i].cpu).toFixed(1)}`);
  const self = (after.self.user + after.self.system - before.self.user - before.self.system) / 1e6;
  const ours = after.procs.reduce((s, a, i) => s + a.cpu - before.procs[i].cpu, 0) + self;
  return `CPU s: ${parts.join(", ")}, load generator ${self.toFixed(1)} (${(ours / wallS).toFixed(2)} cores of tracerelay+generator; machine ${(busy * 100).toFixed(0)}% busy of 2 cores, the rest of it is the broker and anything else running)`;
}

// ---- metrics
async function metric(p: Tracerelay, re: RegExp): Promise<number> {
  const res = await fetch(`${p.url}/metrics`, { signal: AbortSignal.timeout(10_000) });
  const m = re.exec(await res.text());
  return m ? Number(m[1]) : Number.NaN;
}
const storedSpans = (p: Tracerelay) => metric(p, /^tracerelay_store_spans_written_total (\S+)/m).then((n) => (Number.isNaN(n) ? 0 : n));
const deliverLag = (p: Tracerelay) => metric(p, /^tracerelay_bus_lag_records\{group="deliver\.store",topic="deliver\.store"\} (\S+)/m);

async function waitStored(store: Tracerelay, target: number, timeoutMs: number): Promise<number> {
  const t0 = performance.now();
  while (performance.now() - t0 < timeoutMs) {
    if ((await storedSpans(store)) >= target) return performance.now();
    await sleep(100);
  }
  throw new Error(`store did not catch up: ${await storedSpans(store)} of ${target} spans after ${timeoutMs} ms`);
}

/** Closed-loop load spread over the ingest processes (the connections split between them). */
async function loadOver(ingests: Tracerelay[], durationMs: number, ratePerSec?: number, conns = concurrency): Promise<LoadResult> {
  const headers = { authorization: `Bearer ${keys.secretKey}`, "content-type": "application/x-protobuf" };
  const results = await Promise.all(
    ingests.map((p) =>
      runLoad({ url: `${p.url}/v1/traces`, headers, next, concurrency: Math.max(1, Math.round(conns / ingests.length)), durationMs, ratePerSec: ratePerSec === undefined ? undefined : ratePerSec / ingests.length }),
    ),
  );
  const sum: LoadResult = { requests: 0, ok: 0, failed: 0, statuses: {}, spansAcked: 0, bytesSent: 0, elapsedMs: 0, latencies: [] };
  for (const r of results) {
    sum.requests += r.requests;
    sum.ok += r.ok;
    sum.failed += r.failed;
    sum.spansAcked += r.spansAcked;
    sum.bytesSent += r.bytesSent;
    sum.elapsedMs = Math.max(sum.elapsedMs, r.elapsedMs);
    sum.latencies.push(...r.latencies);
    for (const [k, v] of Object.entries(r.statuses)) sum.statuses[k] = (sum.statuses[k] ?? 0) + v;
  }
  sum.latencies.sort((a, b) => a - b);
  return sum;
}

interface Phase {
  label: string;
  acked: number;
  ackRate: number;
  e2eRate: number;
  catchUpS: number;
}

/** Warm-up, then `seconds` of closed-loop load; e2e = acked / (time until the store holds them all). */
async function measure(label: string, ingests: Tracerelay[], store: Tracerelay, procs: Array<{ name: string; p: Tracerelay }>): Promise<Phase> {
  await loadOver(ingests, 3000, undefined, 4);
  const warmed = await storedSpans(store);
  // let the warm-up drain so the measured phase starts from an empty pipeline
  const drainStart = performance.now();
  for (let last = -1; ; ) {
    await sleep(1000);
    const now = await storedSpans(store);
    if (now === last || performance.now() - drainStart > 60_000) break;
    last = now;
  }
  void warmed;
  const base = await storedSpans(store);
  const before = await cpuSnapshot(procs);
  const t0 = performance.now();
  const max = await loadOver(ingests, seconds * 1000);
  const storedAt = await waitStored(store, base + max.spansAcked, 600_000);
  const after = await cpuSnapshot(procs);
  const wallS = (storedAt - t0) / 1000;
  const phase = { label, acked: max.spansAcked, ackRate: max.spansAcked / (max.elapsedMs / 1000), e2eRate: max.spansAcked / wallS, catchUpS: wallS - max.elapsedMs / 1000 };
  console.log(`\n[${label}]`);
  console.log(`  requests ${max.requests} (statuses ${JSON.stringify(max.statuses)}), ${max.spansAcked} spans acknowledged`);
  console.log(`  acknowledged: ${phase.ackRate.toFixed(0)} spans/s; ack latency p50 ${percentile(max.latencies, 50).toFixed(0)} ms, p99 ${percentile(max.latencies, 99).toFixed(0)} ms`);
  console.log(`  end to end (acked → in store): ${phase.e2eRate.toFixed(0)} spans/s; the store caught up ${phase.catchUpS.toFixed(1)} s after the load stopped`);
  console.log(`  ${cpuReport(before, after, wallS)}`);
  return phase;
}

const external = process.env.KAFKA_BROKERS;
let broker: KafkaBroker | undefined;
const brokers = external ? external.split(",") : [];
if (!external) {
  const t = Date.now();
  broker = await startKafka();
  brokers.push(broker.brokers);
  console.log(`kafka ${KAFKA_VERSION} broker ${broker.brokers} started in ${((Date.now() - t) / 1000).toFixed(1)} s`);
}
const kafkaConfig = (prefix: string) => ["bus:", "  kind: kafka", `  brokers: [${brokers.map((b) => JSON.stringify(b)).join(", ")}]`, `  topic_prefix: "${prefix}"`, "  partitions: 4", ""].join("\n");
const open: Tracerelay[] = [];
const start = async (o: Parameters<typeof startTracerelay>[0]) => {
  const p = await startTracerelay({ ...keys, readyTimeoutMs: 120_000, ...o });
  open.push(p);
  return p;
};
const closeAll = async () => {
  await Promise.allSettled(open.splice(0).map((p) => p.close()));
};

const phases: Phase[] = [];
let lagSummary: string | undefined;
try {
  // 1 + 4: one instance per role
  {
    const prefix = `bk${randomUUID().slice(0, 6)}.`;
    const config = kafkaConfig(prefix);
    const store = await start({ config, command: "deliver", args: ["--destination", "store", "--with", "explorer"] });
    const route = await start({ config, command: "route" });
    const ingest = await start({ config, command: "ingest" });
    const one = await measure("Kafka, 1 ingest + 1 route + 1 deliver(store)+explorer", [ingest], store, [
      { name: "ingest", p: ingest },
      { name: "route", p: route },
      { name: "deliver+explorer", p: store },
    ]);
    phases.push(one);

    if (!values["skip-lag"]) {
      // 4. Lag recovery at half that rate.
      const rate = one.e2eRate / 2 / avgSpans; // requests/s
      const bus = await createKafkaBus({ brokers, topicPrefix: prefix });
      const busLag = async () => (await bus.lag("deliver.store", ["deliver.store"])).reduce((s, p) => s + p.lag, 0);
      console.log(`\n[lag recovery: ${(rate * avgSpans).toFixed(0)} spans/s offered (half of the Kafka rate above), deliver(store) SIGKILLed for ${outageSeconds} s]`);
      const steadyS = 20;
      const totalMs = (steadyS + outageSeconds + 460) * 1000; // the load runs on until recovered (stopped below)
      let loadStop = false;
      const loadDone = (async () => {
        const results: LoadResult[] = [];
        const until = performance.now() + totalMs;
        while (!loadStop && performance.now() < until) results.push(await loadOver([ingest], 2000, rate, 64));
        return results;
      })();
      // steady state under this load, before the stop
      await sleep(5000);
      const steady: number[] = [];
      for (const until = performance.now() + (steadyS - 5) * 1000; performance.now() < until; ) {
        steady.push(await deliverLag(store));
        await sleep(500);
      }
      steady.sort((a, b) => a - b);
      const steadyMax = steady[steady.length - 1];
      const stoppedAt = performance.now();
      await store.kill9();
      let peak = 0;
      while (performance.now() - stoppedAt < outageSeconds * 1000) {
        peak = Math.max(peak, await busLag());
        await sleep(1000);
      }
      // the backlog the stop left: the end offsets at the moment the restart begins
      const endsAtRestart = new Map((await bus.lag("deliver.store", ["deliver.store"])).map((p) => [p.partition, p.end]));
      const restartAt = performance.now();
      await store.restart();
      const readyAt = performance.now();
      peak = Math.max(peak, await busLag());
      let backlogDone: number | undefined; // committed offsets passed the end offsets of the restart moment
      let backToSteady: number | undefined; // the gauge at or below its level before the stop
      let backToZero: number | undefined; // the gauge read 0
      let gauge = Number.NaN;
      const gauges: number[] = [];
      for (;;) {
        const now = performance.now();
        if (backlogDone === undefined) {
          const parts = await bus.lag("deliver.store", ["deliver.store"]);
          if (parts.every((p) => p.committed >= (endsAtRestart.get(p.partition) ?? 0))) backlogDone = performance.now();
        }
        gauge = await deliverLag(store);
        if (backlogDone !== undefined) gauges.push(gauge);
        if (!Number.isNaN(gauge) && gauge <= steadyMax) backToSteady ??= performance.now();
        if (gauge === 0) backToZero ??= performance.now();
        // done once the backlog is consumed and the gauge has been 0 or watched for 30 s more
        if (backlogDone !== undefined && backToSteady !== undefined && (backToZero !== undefined || performance.now() - backlogDone > 30_000)) break;
        if (now - readyAt > 400_000) break;
        await sleep(250);
      }
      loadStop = true;
      const loads = await loadDone;
      const acked = loads.reduce((s, r) => s + r.spansAcked, 0);
      const statuses: Record<string, number> = {};
      for (const r of loads) for (const [k, v] of Object.entries(r.statuses)) statuses[k] = (statuses[k] ?? 0) + v;
      await bus.close();
      const s = (t: number | undefined) => (t === undefined ? "not observed" : `${((t - readyAt) / 1000).toFixed(1)} s`);
      gauges.sort((a, b) => a - b);
      console.log(`  steady state before the stop (gauge on /metrics, every 500 ms): deliver.store lag median ${steady[Math.floor(steady.length / 2)]}, max ${steadyMax} records`);
      console.log(`  lag left by the ${outageSeconds} s stop: ${peak} records; the restarted process was ready ${((readyAt - restartAt) / 1000).toFixed(1)} s after the restart began`);
      console.log(`  after it was ready: the backlog of the stop consumed (committed ≥ end offsets at the restart) in ${s(backlogDone)}; gauge back to the steady level (≤ ${steadyMax}) in ${s(backToSteady)}; gauge read 0 after ${s(backToZero)}`);
      if (backlogDone !== undefined) console.log(`  drain: ${(peak / ((backlogDone - readyAt) / 1000)).toFixed(0)} records/s of backlog while ${(rate * avgSpans).toFixed(0)} spans/s kept arriving; gauge after the backlog: median ${gauges[Math.floor(gauges.length / 2)]}, min ${gauges[0]}`);
      console.log(`  load: ${acked} spans acknowledged over the whole phase, statuses ${JSON.stringify(statuses)}`);
      lagSummary = `peak lag ${peak} records after the ${outageSeconds} s stop; ready ${((readyAt - restartAt) / 1000).toFixed(1)} s after the restart began; backlog consumed ${s(backlogDone)} after ready; gauge to steady ${s(backToSteady)}, to 0 ${s(backToZero)}`;
    }
    await closeAll();
  }

  // 2: 2 ingest + 2 route, deliver(store) still one process
  {
    const config = kafkaConfig(`bk${randomUUID().slice(0, 6)}.`);
    const store = await start({ config, command: "deliver", args: ["--destination", "store", "--with", "explorer"] });
    const routes = await Promise.all([start({ config, command: "route" }), start({ config, command: "route" })]);
    const ingests = await Promise.all([start({ config, command: "ingest" }), start({ config, command: "ingest" })]);
    phases.push(
      await measure("Kafka, 2 ingest + 2 route + 1 deliver(store)+explorer", ingests, store, [
        { name: "ingest#1", p: ingests[0] },
        { name: "ingest#2", p: ingests[1] },
        { name: "route#1", p: routes[0] },
        { name: "route#2", p: routes[1] },
        { name: "deliver+explorer", p: store },
      ]),
    );
    await closeAll();
  }

  // 3: the embedded bus, one process
  {
    const server = await start({});
    phases.push(await measure("embedded bus, `tracerelay start` (one process)", [server], server, [{ name: "start", p: server }]));
    await closeAll();
  }

  const [one, two, embedded] = phases;
  console.log("\n[summary]");
  for (const p of phases) console.log(`  ${p.label}: ${p.e2eRate.toFixed(0)} spans/s end to end (acknowledged ${p.ackRate.toFixed(0)} spans/s)`);
  console.log(`  Kafka 1-per-role / embedded: ${(one.e2eRate / embedded.e2eRate).toFixed(2)}×; 2 ingest + 2 route / 1-per-role: ${(two.e2eRate / one.e2eRate).toFixed(2)}×; 2+2 / embedded: ${(two.e2eRate / embedded.e2eRate).toFixed(2)}×`);
  if (lagSummary) console.log(`  lag recovery: ${lagSummary}`);
} finally {
  await closeAll();
  if (broker) {
    await broker.stop();
    await rm(broker.dataDir, { recursive: true, force: true });
  }
}

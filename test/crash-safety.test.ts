// Crash safety: "ingest is acknowledged only after the spans are durably on the bus", and the store
// shows a redelivered span once. A client streams small OTLP/JSON requests (unique span ids) while the
// process is killed with SIGKILL at a random moment 1–2 s in; it is restarted on the same data dir and,
// once the store has caught up, every span of every 2xx-acknowledged request must be readable EXACTLY
// once. Spans of unacknowledged requests may be missing, but never duplicated. Several kill cycles run
// on the same data dir, and each verification re-checks every earlier cycle too.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { otlpRequest, otlpSpan } from "./harness/otlp.ts";
import { newSpanId, newTraceId, sleep, startTracerelay, type Tracerelay, type TraceView } from "./harness/tracerelay.ts";

const CYCLES = 3;
const TIME_BUDGET_MS = 60_000; // start no new cycle after this
const WORKERS = 4; // concurrent client loops
const SPANS_PER_REQUEST = 5;
const REQUESTS_PER_TRACE = 10; // per worker: a new trace id every N requests
const CATCH_UP_MS = 45_000;

let tr: Tracerelay;

beforeAll(async () => {
  tr = await startTracerelay();
});

afterAll(async () => {
  await tr?.close();
});

interface Ledger {
  /** trace id → span ids acknowledged with a 2xx */
  acked: Map<string, Set<string>>;
  /** trace id → span ids sent without a 2xx (error, non-2xx, or killed in flight) */
  unacked: Map<string, Set<string>>;
}

function add(map: Map<string, Set<string>>, traceId: string, spanIds: string[]): void {
  let set = map.get(traceId);
  if (!set) {
    set = new Set();
    map.set(traceId, set);
  }
  for (const id of spanIds) set.add(id);
}

/** Streams requests from WORKERS loops until `stop()` is called and in-flight requests settle. */
function streamSpans(ledger: Ledger, cycle: number): { stop: () => Promise<{ ok: number; failed: number; non2xx: number[] }> } {
  let stopping = false;
  let ok = 0;
  let failed = 0;
  const non2xx: number[] = [];
  const loops = Array.from({ length: WORKERS }, async (_, w) => {
    let traceId = newTraceId();
    let rootId = newSpanId();
    for (let n = 0; !stopping; n++) {
      if (n > 0 && n % REQUESTS_PER_TRACE === 0) {
        traceId = newTraceId();
        rootId = newSpanId();
      }
      const spanIds = Array.from({ length: SPANS_PER_REQUEST }, (_, i) => (n % REQUESTS_PER_TRACE === 0 && i === 0 ? rootId : newSpanId()));
      const spans = spanIds.map((spanId, i) =>
        otlpSpan({
          traceId,
          spanId,
          parentSpanId: spanId === rootId ? undefined : rootId,
          name: `c${cycle}-w${w}-r${n}-s${i}`,
          attributes: { "gen_ai.operation.name": "chat", "gen_ai.request.model": "gpt-4o-mini", "gen_ai.usage.input_tokens": 10, "gen_ai.usage.output_tokens": 2 },
        }),
      );
      try {
        const res = await fetch(`${tr.url}/v1/traces`, {
          method: "POST",
          headers: { "content-type": "application/json", authorization: `Bearer ${tr.secretKey}` },
          body: JSON.stringify(otlpRequest(spans, { "service.name": "crash-client" })),
          signal: AbortSignal.timeout(10_000),
        });
        const text = await res.text();
        const rejected = res.ok ? Number((JSON.parse(text || "{}") as { partialSuccess?: { rejectedSpans?: number } }).partialSuccess?.rejectedSpans ?? 0) : 0;
        if (res.ok && rejected === 0) {
          add(ledger.acked, traceId, spanIds);
          ok++;
        } else {
          add(ledger.unacked, traceId, spanIds);
          non2xx.push(res.status);
        }
      } catch {
        add(ledger.unacked, traceId, spanIds);
        failed++;
        if (!stopping) await sleep(20);
      }
    }
  });
  return {
    stop: async () => {
      stopping = true;
      await Promise.all(loops);
      return { ok, failed, non2xx };
    },
  };
}

async function getTrace(traceId: string): Promise<TraceView | undefined> {
  const res = await tr.api<TraceView>(`/api/v1/traces/${traceId}`);
  if (res.status === 404) return undefined;
  if (res.status !== 200) throw new Error(`GET trace ${traceId}: HTTP ${res.status} ${res.text.slice(0, 200)}`);
  return res.json;
}

async function pool<T, R>(items: T[], size: number, fn: (item: T) => Promise<R>): Promise<R[]> {
  const out: R[] = new Array(items.length);
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(size, items.length) }, async () => {
      while (next < items.length) {
        const i = next++;
        out[i] = await fn(items[i]);
      }
    }),
  );
  return out;
}

interface Verdict {
  missing: Array<[string, string]>;
  duplicated: Array<[string, string, number]>;
  unexpected: Array<[string, string]>;
}

/** Reads every trace the client touched and compares span-id counts with the ledger. */
async function verify(ledger: Ledger): Promise<Verdict> {
  const traceIds = [...new Set([...ledger.acked.keys(), ...ledger.unacked.keys()])];
  const traces = await pool(traceIds, 8, getTrace);
  const verdict: Verdict = { missing: [], duplicated: [], unexpected: [] };
  traceIds.forEach((traceId, i) => {
    const counts = new Map<string, number>();
    for (const s of traces[i]?.spans ?? []) counts.set(s.span_id, (counts.get(s.span_id) ?? 0) + 1);
    const acked = ledger.acked.get(traceId) ?? new Set<string>();
    const sent = new Set([...acked, ...(ledger.unacked.get(traceId) ?? [])]);
    for (const id of acked) if (!counts.has(id)) verdict.missing.push([traceId, id]);
    for (const [id, n] of counts) {
      if (n > 1) verdict.duplicated.push([traceId, id, n]);
      if (!sent.has(id)) verdict.unexpected.push([traceId, id]);
    }
  });
  return verdict;
}

describe("crash safety (SIGKILL during ingest)", () => {
  it("every acknowledged span is stored exactly once after SIGKILL + restart, over several kill cycles", async () => {
    const started = Date.now();
    const ledger: Ledger = { acked: new Map(), unacked: new Map() };
    const report: string[] = [];
    for (let cycle = 1; cycle <= CYCLES; cycle++) {
      if (cycle > 1 && Date.now() - started > TIME_BUDGET_MS) break;
      const killAfter = 1000 + Math.floor(Math.random() * 1000);
      const client = streamSpans(ledger, cycle);
      await sleep(killAfter);
      await tr.kill9();
      const outcome = await client.stop();
      const ackedSpans = [...ledger.acked.values()].reduce((n, s) => n + s.size, 0);
      report.push(`cycle ${cycle}: killed after ${killAfter} ms; requests ok=${outcome.ok} failed=${outcome.failed} non2xx=${JSON.stringify(outcome.non2xx.slice(0, 5))}; acked spans so far ${ackedSpans}`);
      // The client really was mid-stream: requests were acknowledged before the kill.
      expect(outcome.ok, report.join("\n")).toBeGreaterThan(10);
      // No refusal other than crash-time connection errors while the server was up.
      expect(outcome.non2xx, report.join("\n")).toEqual([]);

      const restartAt = Date.now();
      await tr.restart();
      report.push(`cycle ${cycle}: restarted in ${Date.now() - restartAt} ms`);

      // Wait for the store to catch up with everything acknowledged so far (all cycles).
      const deadline = Date.now() + CATCH_UP_MS;
      let verdict = await verify(ledger);
      while (verdict.missing.length > 0 && Date.now() < deadline) {
        await sleep(500);
        verdict = await verify(ledger);
      }
      // A short settle, then look again: a late redelivery must not add a second copy.
      await sleep(1000);
      verdict = await verify(ledger);
      report.push(`cycle ${cycle}: missing=${verdict.missing.length} duplicated=${verdict.duplicated.length} unexpected=${verdict.unexpected.length}`);
      expect(verdict.missing.slice(0, 10), `acknowledged spans missing after restart\n${report.join("\n")}`).toEqual([]);
      expect(verdict.duplicated.slice(0, 10), `spans stored more than once\n${report.join("\n")}`).toEqual([]);
      expect(verdict.unexpected.slice(0, 10), `span ids the client never sent\n${report.join("\n")}`).toEqual([]);
    }
    console.log(report.join("\n"));
    // Still healthy after the last crash.
    const live = await tr.api("/health/ready", { auth: false });
    expect(live.status).toBe(200);
  });
});

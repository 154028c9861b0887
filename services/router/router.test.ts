// Router + rules on the real embedded log: spans produced to `spans`, read back from `deliver.<dest>`.
import { describe, expect, it } from "vitest";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createEmbeddedBus } from "../../lib/bus/embedded/bus.ts";
import { type BusRecord, TOPICS } from "../../lib/bus/types.ts";
import type { CanonicalSpan } from "../../lib/span/types.ts";
import { createLogger } from "../../lib/telemetry/logger.ts";
import { Registry } from "prom-client";
import { compileRules } from "../../rules/compile.ts";
import { piiCorpus } from "../../rules/corpus.ts";
import { createRulesMetrics } from "../../rules/metrics.ts";
import { RulesHolder } from "../../rules/runtime.ts";
import { startRouter } from "./index.ts";

/** A real embedded log in a temp dir, with a reader that collects what reached each deliver topic. */
async function realBus() {
  const dir = await mkdtemp(join(tmpdir(), "router-"));
  const bus = await createEmbeddedBus({ dir, partitions: 2 });
  const received = new Map<string, BusRecord[]>();
  const readers: Array<{ stop(): Promise<void> }> = [];
  for (const d of destinations) {
    received.set(d, []);
    readers.push(
      await bus.consume({
        group: `check.${d}`,
        topics: [TOPICS.deliver(d)],
        handler: async (batch) => {
          for (const r of batch) received.get(d)!.push({ ...r, value: Buffer.from(r.value) });
        },
      }),
    );
  }
  const produce = (msgs: Array<{ key: string; value: string; headers?: Record<string, string> }>) => bus.produce(TOPICS.spans, msgs);
  /** Waits until `dest` has at least `n` records (bounded), then returns them. */
  const waitFor = async (dest: string, n: number, timeoutMs = 20_000): Promise<BusRecord[]> => {
    const deadline = Date.now() + timeoutMs;
    while ((received.get(dest) ?? []).length < n) {
      if (Date.now() > deadline) throw new Error(`${dest}: ${(received.get(dest) ?? []).length} of ${n} records after ${timeoutMs} ms`);
      await new Promise((ok) => setTimeout(ok, 10));
    }
    return received.get(dest)!;
  };
  const close = async () => {
    await Promise.all(readers.map((r) => r.stop()));
    await bus.close();
    await rm(dir, { recursive: true, force: true });
  };
  return { bus, produce, waitFor, received, close };
}

const span = (i: number, extra: Partial<CanonicalSpan> = {}): CanonicalSpan => ({
  schema_version: 1,
  trace_id: (i + 1).toString(16).padStart(32, "0"),
  span_id: (i + 1).toString(16).padStart(16, "0"),
  parent_span_id: null,
  project_id: "p",
  name: "chat",
  kind: "llm",
  start_time: "2026-01-01T10:00:00.000000Z",
  status: "ok",
  source: { format: "otlp" },
  input: `write to user${i}@example.com`,
  ...extra,
});
const logger = createLogger("silent");
const destinations = ["store", "vendor"];

describe("router with rules", () => {
  it("without rules forwards the raw bytes and headers to every destination", async () => {
    const b = await realBus();
    const router = await startRouter({ bus: b.bus, destinations, logger });
    const raw = `{"weird":  "formatting kept",  "trace_id":"x"}`;
    await b.produce([{ key: "k", value: raw, headers: { piece: '{"id":"e1"}' } }]);
    for (const d of destinations) {
      const got = await b.waitFor(d, 1);
      expect(got).toHaveLength(1);
      expect(got[0].value.toString()).toBe(raw);
      expect(got[0].headers).toEqual({ piece: '{"id":"e1"}' });
    }
    await router.stop();
    await b.close();
  });

  it("a default_route alone forwards the raw bytes to those destinations only", async () => {
    const b = await realBus();
    const rules = new RulesHolder(destinations, compileRules({ default_route: ["vendor"] }, { destinations }));
    const router = await startRouter({ bus: b.bus, destinations, logger, rules });
    const raw = `{"weird":  "formatting kept",  "trace_id":"x"}`; // not a valid span: the fast path never parses
    await b.produce([{ key: "k", value: raw }, { key: "k", value: JSON.stringify(span(2)) }]);
    const got = await b.waitFor("vendor", 2);
    expect(got[0].value.toString()).toBe(raw);
    await new Promise((ok) => setTimeout(ok, 200));
    expect(b.received.get("store")).toEqual([]);
    await router.stop();
    await b.close();
  });

  it("counts the time it spends applying rules, and none on the raw path", async () => {
    const b = await realBus();
    const metrics = createRulesMetrics(new Registry());
    const rules = new RulesHolder(destinations, null);
    const router = await startRouter({ bus: b.bus, destinations, logger, rules, metrics });
    const seconds = async () => (await metrics.seconds.get()).values[0]?.value ?? 0;
    await b.produce([{ key: "a", value: JSON.stringify(span(1)) }]);
    await b.waitFor("vendor", 1);
    expect(await seconds()).toBe(0);
    rules.swap(compileRules({ redaction: [{ detectors: ["email"], destinations: ["vendor"] }] }, { destinations }));
    await b.produce(Array.from({ length: 200 }, (_, i) => ({ key: `t${i}`, value: JSON.stringify(span(i)) })));
    await b.waitFor("vendor", 201);
    expect(await seconds()).toBeGreaterThan(0);
    await router.stop();
    await b.close();
  });

  it("gives the event loop back while it routes a batch that costs 100+ ms of rules", async () => {
    const b = await realBus();
    const { spans } = piiCorpus(2000, 21);
    await b.produce(spans.map((s) => ({ key: s.trace_id, value: JSON.stringify(s) })));
    const metrics = createRulesMetrics(new Registry());
    const heavy = compileRules({ hash_key: "k".repeat(16), redaction: [{ detectors: ["all"], keys: ["*password*"], mode: "hash", destinations: ["vendor"] }] }, { destinations });
    // the longest the event loop went without running a 1 ms timer while the router worked
    let maxGap = 0;
    let last = performance.now();
    const probe = setInterval(() => {
      const now = performance.now();
      maxGap = Math.max(maxGap, now - last);
      last = now;
    }, 1);
    const router = await startRouter({ bus: b.bus, destinations, logger, rules: new RulesHolder(destinations, heavy), metrics });
    await b.waitFor("vendor", spans.length, 60_000);
    clearInterval(probe);
    const busyMs = ((await metrics.seconds.get()).values[0]?.value ?? 0) * 1000;
    // 2 partitions, batches of up to 1,000: routing a batch in one go would stall the loop for half
    // the busy time or more (measured: 600-720 ms of 570-690); in 10 ms slices, 40-60 ms at most
    expect(busyMs).toBeGreaterThan(150);
    expect(maxGap).toBeLessThan(busyMs / 4);
    await router.stop();
    await b.close();
  });

  it("redacts per destination, keeps piece headers, shares the original bytes where unchanged", async () => {
    const b = await realBus();
    const rules = new RulesHolder(destinations, compileRules({ redaction: [{ detectors: ["email"], destinations: ["vendor"] }] }, { destinations }));
    const router = await startRouter({ bus: b.bus, destinations, logger, rules });
    const raw = JSON.stringify(span(1));
    await b.produce([{ key: "t", value: raw, headers: { piece: '{"id":"e1","order":1,"seq":0,"fields":["input"]}' } }]);
    expect((await b.waitFor("store", 1))[0].value).toEqual(Buffer.from(raw));
    const vendor = (await b.waitFor("vendor", 1))[0];
    expect(JSON.parse(String(vendor.value)).input).toBe("write to [REDACTED:email]");
    expect(vendor.headers?.piece).toContain('"id":"e1"');
    await router.stop();
    await b.close();
  });

  it("hot reload: 20 swaps while 50k spans flow — none lost, none processed by a half-loaded rule set", async () => {
    const b = await realBus();
    // Each rule set stamps two attributes with its version: a half-loaded set would leave them unequal.
    const version = (v: number) => compileRules({ transforms: [{ name: `v${v}`, set: { "attributes.rules_version": v, "attributes.rules_version_check": v } }] }, { destinations });
    const rules = new RulesHolder(destinations, version(0));
    const router = await startRouter({ bus: b.bus, destinations, logger, rules });
    const N = 50_000;
    const GROUP = N / 20;
    for (let g = 0; g < 20; g++) {
      const msgs = [];
      for (let i = g * GROUP; i < (g + 1) * GROUP; i++) msgs.push({ key: String(i % 97), value: JSON.stringify(span(i)) });
      await b.produce(msgs);
      // Swap while this group is still flowing through the router (part of it forwarded, part not).
      await b.waitFor("store", g * GROUP + GROUP / 4);
      rules.swap(version(g + 1));
    }
    for (const d of destinations) {
      const got = (await b.waitFor(d, N)).map((r) => ({ partition: r.partition, span: JSON.parse(String(r.value)) as CanonicalSpan }));
      expect(got).toHaveLength(N);
      expect(new Set(got.map((x) => x.span.span_id)).size).toBe(N);
      for (const { span: s } of got) expect(s.attributes?.rules_version).toBe(s.attributes?.rules_version_check);
      // Swaps only go forward: in each partition's order, versions never decrease.
      for (const partition of new Set(got.map((x) => x.partition))) {
        const versions = got.filter((x) => x.partition === partition).map((x) => x.span.attributes?.rules_version as number);
        expect(versions).toEqual([...versions].sort((x, y) => x - y));
      }
      expect(new Set(got.map((x) => x.span.attributes?.rules_version)).size).toBeGreaterThanOrEqual(10);
    }
    await router.stop();
    await b.close();
  }, 120_000);

  it("tail sampling in the router: buffered until quiet, whole traces released with one decision", async () => {
    const b = await realBus();
    let now = 0;
    const rules = new RulesHolder(
      destinations,
      compileRules({ tail: { decision_wait_ms: 1000 }, sampling: [{ when: { var: "trace.has_error" }, keep: 1 }, { keep: 0 }] }, { destinations }),
    );
    const router = await startRouter({ bus: b.bus, destinations, logger, rules, clock: { now: () => now }, tailPollMs: 5 });
    const t = "ab".repeat(16);
    await b.produce([
      { key: t, value: JSON.stringify(span(1, { trace_id: t })) },
      { key: t, value: JSON.stringify(span(2, { trace_id: t, status: "error" })) },
      { key: "other", value: JSON.stringify(span(3)) },
    ]);
    // Until the (fake) clock passes the quiet window nothing is released.
    await new Promise((r) => setTimeout(r, 200));
    expect(b.received.get("store")).toHaveLength(0);
    now = 5000;
    const released = await b.waitFor("store", 2);
    expect(released.map((m) => JSON.parse(String(m.value)).span_id)).toEqual([span(1).span_id, span(2).span_id]);
    await router.stop();
    await b.close();
  });

  it("a record that is not JSON goes to store unchanged (never silently dropped)", async () => {
    const b = await realBus();
    const rules = new RulesHolder(destinations, compileRules({ routes: [{ name: "all", to: ["vendor"] }] }, { destinations }));
    const router = await startRouter({ bus: b.bus, destinations, logger, rules });
    await b.produce([
      { key: "k", value: "not json" },
      { key: "k", value: JSON.stringify(span(7)) },
    ]);
    expect((await b.waitFor("store", 1)).map((m) => String(m.value))).toEqual(["not json"]);
    expect((await b.waitFor("vendor", 1)).map((m) => JSON.parse(String(m.value)).span_id)).toEqual([span(7).span_id]);
    expect(b.received.get("store")).toHaveLength(1);
    await router.stop();
    await b.close();
  });
});

// Router + rules, on an in-memory bus stand-in (the handler is driven directly, batch by batch).
import { describe, expect, it } from "vitest";
import type { Bus, BusRecord, ConsumeOptions, ProduceMessage } from "../../lib/bus/types.ts";
import type { CanonicalSpan } from "../../lib/span/types.ts";
import { createLogger } from "../../lib/telemetry/logger.ts";
import { compileRules } from "../../rules/compile.ts";
import { RulesHolder } from "../../rules/runtime.ts";
import { startRouter } from "./index.ts";

class MemoryBus {
  readonly kind = "embedded" as const;
  handler: ConsumeOptions["handler"] | undefined;
  readonly topics = new Map<string, ProduceMessage[]>();
  private offset = 0;
  async ensureTopics() {}
  async produce(topic: string, messages: ProduceMessage[]) {
    const list = this.topics.get(topic) ?? [];
    list.push(...messages);
    this.topics.set(topic, list);
  }
  async consume(o: ConsumeOptions) {
    this.handler = o.handler;
    return { stop: async () => {} };
  }
  async seek() {}
  async lag() {
    return [];
  }
  async close() {}
  async deliver(msgs: Array<{ key: string; value: string; headers?: Record<string, string> }>) {
    const batch: BusRecord[] = msgs.map((m) => ({ topic: "spans", partition: 0, offset: this.offset++, key: m.key, value: Buffer.from(m.value), timestamp: 0, headers: m.headers ?? {} }));
    await this.handler!(batch);
  }
  received(dest: string): ProduceMessage[] {
    return this.topics.get(`deliver.${dest}`) ?? [];
  }
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
    const bus = new MemoryBus();
    await startRouter({ bus: bus as unknown as Bus, destinations, logger });
    const raw = `{"weird":  "formatting kept",  "trace_id":"x"}`;
    await bus.deliver([{ key: "k", value: raw, headers: { piece: '{"id":"e1"}' } }]);
    for (const d of destinations) {
      expect(bus.received(d)).toHaveLength(1);
      expect(bus.received(d)[0].value.toString()).toBe(raw);
      expect(bus.received(d)[0].headers).toEqual({ piece: '{"id":"e1"}' });
    }
  });

  it("redacts per destination, keeps piece headers, shares the original bytes where unchanged", async () => {
    const bus = new MemoryBus();
    const rules = new RulesHolder(destinations, compileRules({ redaction: [{ detectors: ["email"], destinations: ["vendor"] }] }, { destinations }));
    await startRouter({ bus: bus as unknown as Bus, destinations, logger, rules });
    const raw = JSON.stringify(span(1));
    await bus.deliver([{ key: "t", value: raw, headers: { piece: '{"id":"e1","order":1,"seq":0,"fields":["input"]}' } }]);
    expect(bus.received("store")[0].value).toEqual(Buffer.from(raw));
    const vendor = bus.received("vendor")[0];
    expect(JSON.parse(String(vendor.value)).input).toBe("write to [REDACTED:email]");
    expect(vendor.headers?.piece).toContain('"id":"e1"');
  });

  it("hot reload: 20 swaps while 50k spans flow — none lost, each batch on one complete rule set", async () => {
    const bus = new MemoryBus();
    const version = (v: number) => compileRules({ transforms: [{ name: `v${v}`, set: { "attributes.rules_version": v, "attributes.rules_version_check": v } }] }, { destinations });
    const rules = new RulesHolder(destinations, version(0));
    await startRouter({ bus: bus as unknown as Bus, destinations, logger, rules });
    const N = 50_000;
    const BATCH = 250;
    let swaps = 0;
    const deliveries: Array<Promise<void>> = [];
    for (let start = 0; start < N; start += BATCH) {
      const msgs = [];
      for (let i = start; i < start + BATCH; i++) msgs.push({ key: String(i), value: JSON.stringify(span(i)) });
      deliveries.push(bus.deliver(msgs));
      // swap from "another task" in between batches, 20 times in total
      if (start % (N / 20) === 0 && swaps < 20) await Promise.resolve().then(() => rules.swap(version(++swaps)));
    }
    await Promise.all(deliveries);
    expect(swaps).toBe(20);
    for (const d of destinations) {
      const got = bus.received(d).map((m) => JSON.parse(String(m.value)) as CanonicalSpan);
      expect(got).toHaveLength(N);
      expect(new Set(got.map((s) => s.span_id)).size).toBe(N);
      const versions = new Set<number>();
      for (let b = 0; b < N; b += BATCH) {
        const inBatch = new Set(got.slice(b, b + BATCH).map((s) => s.attributes?.rules_version));
        expect(inBatch.size).toBe(1); // never mixed within a batch
        versions.add([...inBatch][0] as number);
      }
      for (const s of got) expect(s.attributes?.rules_version).toBe(s.attributes?.rules_version_check);
      expect(versions.size).toBe(21);
    }
  });

  it("tail sampling in the router: buffered until quiet, whole traces released with one decision", async () => {
    const bus = new MemoryBus();
    let now = 0;
    const rules = new RulesHolder(
      destinations,
      compileRules({ tail: { decision_wait_ms: 1000 }, sampling: [{ when: { var: "trace.has_error" }, keep: 1 }, { keep: 0 }] }, { destinations }),
    );
    const router = await startRouter({ bus: bus as unknown as Bus, destinations, logger, rules, clock: { now: () => now }, tailPollMs: 5 });
    const t = "ab".repeat(16);
    await bus.deliver([
      { key: t, value: JSON.stringify(span(1, { trace_id: t })) },
      { key: t, value: JSON.stringify(span(2, { trace_id: t, status: "error" })) },
      { key: "other", value: JSON.stringify(span(3)) },
    ]);
    expect(bus.received("store")).toHaveLength(0);
    now = 5000;
    await new Promise((r) => setTimeout(r, 30));
    expect(bus.received("store").map((m) => JSON.parse(String(m.value)).span_id)).toEqual([span(1).span_id, span(2).span_id]);
    await router.stop();
  });

  it("a record that is not JSON goes to store unchanged (never silently dropped)", async () => {
    const bus = new MemoryBus();
    const rules = new RulesHolder(destinations, compileRules({ routes: [{ name: "all", to: ["vendor"] }] }, { destinations }));
    await startRouter({ bus: bus as unknown as Bus, destinations, logger, rules });
    await bus.deliver([{ key: "k", value: "not json" }]);
    expect(bus.received("store").map((m) => String(m.value))).toEqual(["not json"]);
    expect(bus.received("vendor")).toHaveLength(0);
  });
});

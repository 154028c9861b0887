// The worker pool must route exactly like the main thread: same destinations, same bytes, same order.
import { afterAll, describe, expect, it } from "vitest";
import type { BusRecord, ProduceMessage } from "../../lib/bus/types.ts";
import { cleanCorpus, piiCorpus } from "../../rules/corpus.ts";
import { compileRules } from "../../rules/compile.ts";
import { createRulesMetrics } from "../../rules/metrics.ts";
import { Registry } from "prom-client";
import { routeBatch } from "./index.ts";
import { RouterWorkers } from "./workers.ts";

const destinations = ["store", "langfuse", "s3"];
const rules = compileRules(
  {
    hash_key: "workers-test-key-0123456789",
    sampling: [{ name: "half", when: { "==": [{ var: "environment" }, "development"] }, keep: 0 }],
    redaction: [
      { name: "vendors", detectors: ["all"], mode: "mask", destinations: ["langfuse"] },
      { name: "archive", detectors: ["email"], mode: "hash", destinations: ["s3"] },
    ],
    routes: [
      { name: "gpt", when: { glob: [{ var: "model" }, "gpt-*"] }, to: ["langfuse"], continue: true },
      { name: "all", to: ["store", "s3"] },
    ],
    transforms: [{ name: "team", enrich: [{ from: "service_name", to: "attributes.team", map: { checkout: "payments" }, default: "unowned" }] }],
  },
  { destinations },
);
const spans = [...cleanCorpus(300, 5), ...piiCorpus(100, 6).spans];
const records: BusRecord[] = spans.map((s, i) => ({ topic: "spans", partition: 0, offset: i, key: s.trace_id, value: Buffer.from(JSON.stringify(s)), timestamp: 0, headers: { project: s.project_id } }));
records.push({ topic: "spans", partition: 0, offset: records.length, key: "k", value: Buffer.from("not json"), timestamp: 0, headers: {} });

const text = (out: Map<string, ProduceMessage[]>) => Object.fromEntries([...out].map(([d, ms]) => [d, ms.map((m) => [m.key, String(m.value), m.headers])]));

const pool = new RouterWorkers(2);
afterAll(() => pool.close());

describe("router workers", () => {
  it("give the same per-destination messages, in the same order, as routing on the main thread", async () => {
    const inline = new Map<string, ProduceMessage[]>();
    routeBatch(rules, records, null, inline);
    const viaWorkers = new Map<string, ProduceMessage[]>();
    const registry = new Registry();
    const metrics = createRulesMetrics(registry);
    const { unparsable } = await pool.route(rules, records, viaWorkers, metrics);
    expect(unparsable).toBe(1);
    expect(text(viaWorkers)).toEqual(text(inline));
    const redactions = (await registry.getSingleMetric("tracerelay_redactions_total")?.get())?.values ?? [];
    expect(redactions.some((v) => v.labels.destination === "langfuse" && v.value > 0)).toBe(true);
  });

  it("picks up a new rule set", async () => {
    const other = compileRules({ routes: [{ name: "only-s3", to: ["s3"] }] }, { destinations });
    const out = new Map<string, ProduceMessage[]>();
    await pool.route(other, records.slice(0, 100), out);
    expect([...out.keys()]).toEqual(["s3"]);
    // unchanged records go out as their own bytes, not copies
    expect(out.get("s3")?.[0].value).toBe(records[0].value);
  });
});

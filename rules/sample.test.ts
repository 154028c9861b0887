import { describe, expect, it } from "vitest";
import type { CanonicalSpan } from "../lib/span/types.ts";
import { applyRules, compileRules } from "./engine.ts";
import { keepByRate, TailSampler, traceHash } from "./stages/sample.ts";

const hex = (n: number, seed: number) => {
  let s = "";
  let x = seed >>> 0;
  while (s.length < n) {
    x = (Math.imul(x ^ (x >>> 15), 2246822507) + 0x9e3779b9) >>> 0;
    s += x.toString(16).padStart(8, "0");
  }
  return s.slice(0, n);
};
const span = (traceId: string, spanId: string, extra: Partial<CanonicalSpan> = {}): CanonicalSpan => ({
  schema_version: 1,
  trace_id: traceId,
  span_id: spanId,
  parent_span_id: null,
  project_id: "p",
  name: "s",
  kind: "chain",
  start_time: "2026-01-01T10:00:00.000000Z",
  status: "ok",
  source: { format: "otlp" },
  ...extra,
});

describe("head sampling (property)", () => {
  it("keeps whole traces at the configured rate over 100k trace ids", () => {
    const rules = compileRules({ sampling: [{ keep: 0.1 }] }, { destinations: ["store"] });
    const N = 100_000;
    let kept = 0;
    for (let i = 0; i < N; i++) {
      const t = hex(32, i * 7919 + 1);
      const verdicts = [0, 1, 2].map((s) => applyRules(rules, span(t, hex(16, i * 3 + s))).perDestination.size > 0);
      expect(new Set(verdicts).size).toBe(1); // all spans of a trace agree
      if (verdicts[0]) kept++;
    }
    // binomial(100k, 0.1): sd ≈ 95; 5 sd bounds
    expect(Math.abs(kept - N * 0.1)).toBeLessThan(5 * Math.sqrt(N * 0.1 * 0.9));
  });

  it("is deterministic and nested across rates (kept at 5% ⇒ kept at 50%)", () => {
    for (let i = 0; i < 10_000; i++) {
      const t = hex(32, i);
      expect(traceHash(t)).toBe(traceHash(t));
      if (keepByRate(t, 0.05)) expect(keepByRate(t, 0.5)).toBe(true);
    }
    expect(keepByRate("x", 0)).toBe(false);
    expect(keepByRate("x", 1)).toBe(true);
  });

  it("works for non-hex ids with the right rate too", () => {
    let kept = 0;
    for (let i = 0; i < 20_000; i++) if (keepByRate(`trace-${i}`, 0.3)) kept++;
    expect(Math.abs(kept - 6000)).toBeLessThan(5 * Math.sqrt(20_000 * 0.3 * 0.7));
  });
});

describe("tail sampler", () => {
  const rules = compileRules(
    {
      tail: { decision_wait_ms: 1000, max_buffered_spans: 5, decided_cache_size: 2, max_trace_ms: 10_000 },
      sampling: [{ name: "errors", when: { var: "trace.has_error" }, keep: 1 }, { name: "rest", keep: 0 }],
    },
    { destinations: ["store"] },
  );
  it("waits for quiet, then decides the whole trace once", () => {
    let now = 0;
    const tail = new TailSampler<number>(() => rules, { now: () => now });
    expect(rules.tail).toBe(true);
    expect(tail.add(span("a".repeat(32), "1".repeat(16)), 1, 10)).toEqual([]);
    now = 900;
    expect(tail.add(span("a".repeat(32), "2".repeat(16), { status: "error" }), 2, 10)).toEqual([]);
    now = 1800;
    expect(tail.poll()).toEqual([]); // 900 ms since last span
    now = 1900;
    const out = tail.poll();
    expect(out).toHaveLength(1);
    expect(out[0].decision).toMatchObject({ rule: "errors", kept: true, mode: "tail" });
    expect(out[0].items.map((i) => i.payload)).toEqual([1, 2]);
    expect(tail.buffered).toEqual({ traces: 0, spans: 0, bytes: 0 });
    // a late span follows the remembered decision at once
    const late = tail.add(span("a".repeat(32), "3".repeat(16)), 3, 10);
    expect(late).toMatchObject([{ reason: "late", decision: { kept: true } }]);
  });
  it("overflow decides the least recently active trace early, never drops", () => {
    let now = 0;
    const tail = new TailSampler<number>(() => rules, { now: () => now });
    const released: number[] = [];
    for (let i = 0; i < 8; i++) {
      now += 10;
      for (const r of tail.add(span(hex(32, i % 4), hex(16, i)), i, 1)) released.push(...r.items.map((x) => x.payload));
    }
    expect(tail.buffered.spans).toBeLessThanOrEqual(5);
    now += 5000;
    for (const r of tail.poll()) released.push(...r.items.map((x) => x.payload));
    expect(released.sort()).toEqual([0, 1, 2, 3, 4, 5, 6, 7]);
  });
  it("max_trace_ms bounds a never-quiet trace", () => {
    let now = 0;
    const roomy = compileRules({ tail: { decision_wait_ms: 1000, max_trace_ms: 10_000 }, sampling: [{ when: { var: "trace.has_error" }, keep: 1 }] }, { destinations: ["store"] });
    const tail = new TailSampler<number>(() => roomy, { now: () => now });
    let out: ReturnType<typeof tail.add> = [];
    for (let i = 0; i < 30 && out.length === 0; i++) {
      now += 500;
      out = tail.add(span("b".repeat(32), hex(16, i)), i, 1);
    }
    expect(out[0]?.reason).toBe("max_trace");
  });
});

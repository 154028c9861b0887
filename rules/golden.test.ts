// Golden scenarios: rules/testdata/<scenario>/
//   rules.yaml                 the rules document
//   input.json                 [{ "span": {...}, "piece"?: {...}, "at"?: ms }] in arrival order (`at`: fake clock)
//   scenario.json (optional)   { "destinations": [...] }  default: store, langfuse, langsmith, s3-archive
//   expected/<dest>.json       exactly what <dest> receives, in order: [{ "span": {...}, "piece"?: {...} }]
//                              a missing file = that destination receives nothing
// Tail scenarios run through TailSampler with a fake clock; after the last input the clock jumps by
// an hour and everything quiet is decided. UPDATE_GOLDEN=1 rewrites expected/ (review the diff!).
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import type { SpanPiece } from "../lib/span/envelope.ts";
import type { CanonicalSpan } from "../lib/span/types.ts";
import { applyRules } from "./engine.ts";
import { compileRulesText } from "./load.ts";
import { TailSampler } from "./stages/sample.ts";
import type { SampleDecision } from "./types.ts";

const ROOT = join(import.meta.dirname, "testdata");
const DEFAULT_DESTS = ["store", "langfuse", "langsmith", "s3-archive"];

interface Entry {
  span: CanonicalSpan;
  piece?: SpanPiece;
  at?: number;
}

function runScenario(dir: string): Record<string, Array<{ span: CanonicalSpan; piece?: SpanPiece }>> {
  const meta = existsSync(join(dir, "scenario.json")) ? JSON.parse(readFileSync(join(dir, "scenario.json"), "utf8")) : {};
  const destinations: string[] = meta.destinations ?? DEFAULT_DESTS;
  const rules = compileRulesText(readFileSync(join(dir, "rules.yaml"), "utf8"), join(dir, "rules.yaml"), { destinations, env: { TEST_HASH_KEY: "golden-test-hash-key-0123456789" } });
  const input: Entry[] = JSON.parse(readFileSync(join(dir, "input.json"), "utf8"));
  const out: Record<string, Array<{ span: CanonicalSpan; piece?: SpanPiece }>> = {};
  const emit = (e: Entry, sample?: SampleDecision) => {
    const r = applyRules(rules, e.span, { sample });
    for (const [d, s] of r.perDestination) {
      out[d] ??= [];
      out[d].push(e.piece ? { span: s, piece: e.piece } : { span: s });
    }
  };
  if (rules.tail) {
    let now = 0;
    const tail = new TailSampler<Entry>(() => rules, { now: () => now });
    const release = (rs: ReturnType<typeof tail.poll>) => {
      for (const r of rs) for (const it of r.items) emit(it.payload, r.decision);
    };
    for (const e of input) {
      now = e.at ?? now;
      release(tail.poll());
      release(tail.add(e.span, e, JSON.stringify(e.span).length, e.piece?.fields));
    }
    now += 3_600_000;
    release(tail.poll());
  } else {
    for (const e of input) emit(e);
  }
  return out;
}

const scenarios = readdirSync(ROOT).filter((d) => existsSync(join(ROOT, d, "rules.yaml")));

describe("golden scenarios", () => {
  it("has scenarios", () => expect(scenarios.length).toBeGreaterThanOrEqual(8));
  for (const name of scenarios) {
    it(name, () => {
      const dir = join(ROOT, name);
      const got = runScenario(dir);
      const expDir = join(dir, "expected");
      if (process.env.UPDATE_GOLDEN) {
        rmSync(expDir, { recursive: true, force: true });
        mkdirSync(expDir, { recursive: true });
        for (const [d, list] of Object.entries(got)) writeFileSync(join(expDir, `${d}.json`), JSON.stringify(list, null, 2) + "\n");
      }
      const files = existsSync(expDir) ? readdirSync(expDir).filter((f) => f.endsWith(".json")) : [];
      const expected = Object.fromEntries(files.map((f) => [f.slice(0, -5), JSON.parse(readFileSync(join(expDir, f), "utf8"))]));
      // JSON round trip: compare what would go on the wire
      expect(JSON.parse(JSON.stringify(got))).toEqual(expected);
    });
  }
});

import { describe, expect, it } from "vitest";
import { cleanCorpus, piiCorpus } from "./corpus.ts";
import { applyRules, compileRules } from "./engine.ts";

/** The JSON "shape": same keys, same array lengths, same types; strings reduced to "s". */
function shape(v: unknown): unknown {
  if (typeof v === "string") {
    const t = v.trim();
    if ((t.startsWith("{") || t.startsWith("[")) && (t.endsWith("}") || t.endsWith("]"))) {
      try {
        return { json: shape(JSON.parse(v)) };
      } catch {
        return "s";
      }
    }
    return "s";
  }
  if (Array.isArray(v)) return v.map(shape);
  if (v && typeof v === "object") return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, shape(x)]));
  return v;
}

describe("redaction keeps structure (property)", () => {
  const { spans } = piiCorpus(1000, 99);
  const all = [...spans, ...cleanCorpus(300, 3)];
  for (const mode of ["mask", "hash"] as const) {
    it(`${mode}: valid JSON, same shape, original untouched`, () => {
      const rules = compileRules({ hash_key: "k".repeat(16), redaction: [{ detectors: ["all"], keys: ["*password*"], mode }] }, { destinations: ["d"] });
      let changed = 0;
      for (const span of all) {
        const before = JSON.stringify(span);
        const out = applyRules(rules, span).perDestination.get("d")!;
        const text = JSON.stringify(out);
        expect(JSON.stringify(span)).toBe(before); // the input span is never mutated
        const reparsed = JSON.parse(text);
        expect(shape(reparsed)).toEqual(shape(JSON.parse(before)));
        if (text !== before) changed++;
      }
      expect(changed).toBe(spans.length); // every PII span changed, no clean one did
    });
  }
  it("hash is stable and keyed", () => {
    const doc = (key: string) => compileRules({ hash_key: key, redaction: [{ detectors: ["email"], mode: "hash" }] }, { destinations: ["d"] });
    const span = { ...spans[0], input: "mail a.b@example.com", output: "again a.b@example.com" };
    const a = applyRules(doc("key-one-0123456789"), span).perDestination.get("d")!;
    const b = applyRules(doc("key-two-0123456789"), span).perDestination.get("d")!;
    expect(a.input).toMatch(/^mail \[HASH:email:hmac_[0-9a-f]{16}\]$/);
    expect((a.input as string).slice(5)).toBe((a.output as string).slice(6));
    expect(a.input).not.toBe(b.input);
  });
  it("drop removes fields and properties, never breaks JSON", () => {
    const rules = compileRules({ redaction: [{ detectors: ["all"], keys: ["*password*"], mode: "drop" }] }, { destinations: ["d"] });
    for (const span of spans.slice(0, 200)) {
      const out = applyRules(rules, span).perDestination.get("d")!;
      expect(() => JSON.parse(JSON.stringify(out))).not.toThrow();
      if (out.thinking !== undefined) expect(out.thinking).toMatch(/^\{/); // a JSON string: only the property holding PII went
      expect(out.attributes?.["db.password"]).toBeUndefined();
      expect(out.attributes?.["gen_ai.request.max_tokens"]).toBe(512);
    }
  });
});

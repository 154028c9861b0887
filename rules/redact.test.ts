import { describe, expect, it, vi } from "vitest";
import { cleanCorpus, piiCorpus } from "./corpus.ts";
import { applyRules, compileRules } from "./engine.ts";
import { collectFindings, redactSpan } from "./stages/redact.ts";

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

describe("findings collected once per span (property)", () => {
  // Every way the collection could go wrong: rules with different detectors and fields, key globs,
  // each mode, a custom regex that matches what an earlier rule wrote (so a chain must rescan it),
  // strings holding JSON, a span nested past the depth limit, and `name` dropped.
  const rules = compileRules(
    {
      hash_key: "k".repeat(16),
      redaction: [
        { name: "all", detectors: ["all"], keys: ["*password*"], mode: "mask" },
        { name: "markers", custom: [{ name: "marker", pattern: "REDACTED|HASH|hmac_[0-9a-f]+" }], fields: ["input", "output", "attributes", "tool_calls", "name"], mode: "mask" },
        { name: "hash-some", detectors: ["email", "phone", "credit_card"], fields: ["input", "thinking"], mode: "hash" },
        { name: "drop-keys", keys: ["*token*", "db.*"], custom: [{ name: "ticket", pattern: "TCK-\\d+" }], mode: "drop" },
        { name: "drop-mail", detectors: ["email"], mode: "drop" },
      ],
    },
    { destinations: ["d"] },
  );
  const deep = (n: number): unknown => (n === 0 ? "reach me at deep@example.com" : { next: deep(n - 1) });
  const { spans } = piiCorpus(400, 7);
  const extra = [
    { ...spans[0], name: "write to ann@example.com", input: { a: deep(205), c: deep(150), b: '{"password":"hunter2","note":"TCK-42 call +44 20 7946 0958"}' } },
    { ...spans[1], output: "[REDACTED:email] and HASH already here, 4111 1111 1111 1111", attributes: { "db.user": "x", "api.token": "t" } },
  ];
  const all = [...spans, ...cleanCorpus(200, 5), ...(extra as typeof spans)];
  const chains = [0, 1, 2, 3, 4].flatMap((a) => [[a], ...[0, 1, 2, 3, 4].filter((b) => b > a).map((b) => [a, b])]).map((ix) => ix.map((i) => rules.redaction[i]));

  it("every chain of rules gives the same copy and counts as scanning rule by rule", () => {
    let changed = 0;
    for (const span of all) {
      const findings = collectFindings(span, rules.redactionScan!);
      for (const chain of chains) {
        const want = {};
        const got = {};
        const expected = JSON.stringify(redactSpan(span, chain, rules.hashKey, want));
        // the engine continues a chain from a cached prefix with the same findings: do the same
        const prefix = redactSpan(span, chain.slice(0, 1), rules.hashKey, got, findings);
        const actual = JSON.stringify(redactSpan(prefix, chain.slice(1), rules.hashKey, got, findings));
        expect(actual).toBe(expected);
        expect(got).toEqual(want);
        if (actual !== JSON.stringify(span)) changed++;
      }
    }
    expect(changed).toBeGreaterThan(spans.length); // the property was exercised on real changes
  });

  it("a span without findings is handed back untouched, without walking", () => {
    const clean = cleanCorpus(50, 8);
    for (const span of clean) {
      const findings = collectFindings(span, rules.redactionScan!);
      expect(findings.found.size).toBe(0);
      expect(redactSpan(span, rules.redaction, rules.hashKey, {}, findings)).toBe(span);
    }
  });
});

describe("strings that look bracketed", () => {
  const rules = compileRules(
    {
      redaction: [
        { name: "first", detectors: ["email"], mode: "mask" },
        { name: "second", custom: [{ name: "order", pattern: "ORD-\\d{6}" }], mode: "mask" },
      ],
    },
    { destinations: ["d"] },
  );
  const span = cleanCorpus(1, 2)[0];

  it("a later rule of a chain does not hand the earlier rule's tokens to JSON.parse", () => {
    const masked = redactSpan({ ...span, user_id: "ann@example.com", tags: ["bob@example.com", "ORD-123456"] }, rules.redaction.slice(0, 1), undefined, {});
    expect(masked.user_id).toBe("[REDACTED:email]");
    const parse = vi.spyOn(JSON, "parse");
    try {
      const out = redactSpan(masked, rules.redaction.slice(1), undefined, {});
      expect(out.tags).toEqual(["[REDACTED:email]", "[REDACTED:order]"]);
      const tokens = parse.mock.calls.filter(([text]) => typeof text === "string" && /^\[(REDACTED|HASH):/.test(text));
      expect(tokens).toEqual([]); // a thrown SyntaxError per token cost more than the whole scan
    } finally {
      parse.mockRestore();
    }
  });

  it("JSON with whitespace after the bracket is still read as JSON", () => {
    const counts: Record<string, number> = {};
    const out = redactSpan({ ...span, user_id: '[ "ann@example.com", 1 ]', session_id: '{\n  "mail": "bob@example.com"\n}' }, rules.redaction, undefined, counts);
    expect(JSON.parse(out.user_id as string)).toEqual(["[REDACTED:email]", 1]);
    expect(JSON.parse(out.session_id as string)).toEqual({ mail: "[REDACTED:email]" });
    expect(counts).toEqual({ email: 2 });
  });
});

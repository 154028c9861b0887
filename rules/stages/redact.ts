// Stage 2: redact, per destination. Each redaction rule names the fields it scans (default: all
// redactable fields), the detectors and custom regexes to run on every string found by walking the
// field's JSON (message arrays, nested objects, tool-call arguments, attributes), key-name globs
// (`*password*`: the whole value under a matching key is redacted whatever it is), and a mode:
//   mask  the matched text becomes `[REDACTED:<detector>]` (a key match: the value becomes `[REDACTED:key]`)
//   hash  the matched text becomes `[HASH:<detector>:hmac_<16 hex>]`, HMAC-SHA256 under `hash_key`, so
//         equal values give equal hashes (joins still work) and nobody without the key can test guesses
//   drop  the JSON property (or array element) holding a match is removed; a top-level field is
//         removed from the span (`name`, which is required, is masked instead)
// mask and hash keep the JSON structure exactly (strings stay strings, the same keys, the same array
// lengths). A string that holds a JSON object or array (OTel attributes, tool-call arguments) is
// parsed, walked like any JSON and re-serialised when something in it changed (compact formatting),
// so escapes such as `\n` in it cannot hide a value from the detectors.
// Numbers and booleans are not scanned; object KEYS are matched by key rules but never rewritten.
// Only the copy for the destination changes: untouched subtrees are shared with the original span.
// Counts go to `counts[detector]`; values are never logged or kept.
// One pass per span (collectFindings) runs every rule's detectors over every rule's fields at once;
// the rules then reuse what it found instead of scanning again (only a field an earlier rule of the
// same chain changed is scanned afresh), and a rule that found nothing is not walked at all (for a
// span without PII: no rule is).
import { createHmac } from "node:crypto";
import type { CanonicalSpan } from "../../lib/span/types.ts";
import { type Detector, type Finding, findAll, findRaw, type RawFinding, resolveOverlaps } from "../detectors/index.ts";
import type { CompiledRedaction, RedactableField, RedactionScan } from "../types.ts";

export const ALL_FIELDS: readonly RedactableField[] = ["input", "output", "thinking", "attributes", "tool_calls", "events", "model_parameters", "status_message", "user_id", "session_id", "tags", "name", "prompt"];

const DROP: unique symbol = Symbol("drop");
type Out = unknown | typeof DROP;

interface Ctx {
  detectors: readonly Detector[];
  keys: RegExp | null;
  mode: "mask" | "hash" | "drop";
  hashKey: string | undefined;
  counts: Record<string, number>;
  /** Set while walking a field as the collected span has it: its strings' findings are known. */
  findings: SpanFindings | undefined;
  /** The span's strings holding JSON, parsed (SpanFindings.json), whatever field is walked. */
  json: Map<string, object> | undefined;
}

/** What all the redaction rules find in one span, collected in one pass (see collectFindings). */
export interface SpanFindings {
  /** The span collected from. */
  readonly span: CanonicalSpan;
  /** The detectors run (RedactionScan.detectors); a raw finding's rank indexes them. */
  readonly detectors: readonly Detector[];
  /** The span's strings with at least one finding, by content. Any other string of the span has none. */
  readonly found: Map<string, readonly RawFinding[]>;
  /** The strings of the span that hold JSON, parsed (read-only: walks copy what they change). */
  readonly json: Map<string, object>;
  /**
   * Per field: the detectors that found something in it and the rules whose key globs match a key in
   * it. A rule with none of them in a field, as the span has it, leaves that field as it is.
   */
  readonly hits: Map<string, Set<Detector | CompiledRedaction>>;
}

/**
 * The parsed object or array a string holds (OTel attributes, tool-call arguments), else undefined;
 * from `parsed` (the span's, SpanFindings.json) when it is there.
 */
function jsonIn(s: string, parsed?: Map<string, object>): object | undefined {
  const c = s.charCodeAt(0);
  if ((c !== 123 && c !== 91) || s.length < 2) return undefined;
  const end = s.charCodeAt(s.length - 1);
  if (end !== 125 && end !== 93) return undefined;
  if (!opensJson(s, c)) return undefined;
  const known = parsed?.get(s);
  if (known) return known;
  try {
    const parsed: unknown = JSON.parse(s);
    return parsed !== null && typeof parsed === "object" ? parsed : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Whether what follows the opening `{` or `[` of `s` can start a JSON member or element. Bracketed
 * text that is not JSON (`[REDACTED:email]`, which a rule earlier in a chain writes) is then not handed
 * to JSON.parse: its exception costs more than a whole rule's scan of the string.
 */
function opensJson(s: string, open: number): boolean {
  let i = 1;
  let c = s.charCodeAt(i);
  while (c === 32 || c === 10 || c === 13 || c === 9) c = s.charCodeAt(++i);
  if (open === 123) return c === 34 || c === 125; // "key" or }
  // " { [ ] - digit t(rue) f(alse) n(ull)
  return c === 34 || c === 123 || c === 91 || c === 93 || c === 45 || (c >= 48 && c <= 57) || c === 116 || c === 102 || c === 110;
}

/**
 * Runs every redaction rule's detectors over every rule's fields of `span` in one walk, and tests its
 * keys against the rules' key globs. It visits exactly the strings `walk` visits (same depth limit,
 * strings holding JSON read as JSON), so a string it did not record has no finding for any rule.
 */
export function collectFindings(span: CanonicalSpan, scan: RedactionScan): SpanFindings {
  const f: SpanFindings = { span, detectors: scan.detectors, found: new Map(), json: new Map(), hits: new Map() };
  const { keyRules } = scan;
  let hits: Set<Detector | CompiledRedaction> | undefined; // the current field's
  const visit = (value: unknown, depth: number): void => {
    if (typeof value === "string") {
      const json = jsonIn(value);
      if (json) {
        f.json.set(value, json);
        visit(json, depth + 1);
        return;
      }
      const raw = findRaw(value, scan.detectors);
      if (raw.length) {
        f.found.set(value, raw);
        hits ??= new Set();
        for (const x of raw) hits.add(scan.detectors[x.rank]);
      }
      return;
    }
    if (value === null || typeof value !== "object" || depth > 200) return;
    if (Array.isArray(value)) {
      for (let i = 0; i < value.length; i++) visit(value[i], depth + 1);
      return;
    }
    const obj = value as Record<string, unknown>;
    const keys = Object.keys(obj);
    for (let i = 0; i < keys.length; i++) {
      for (const r of keyRules) {
        if (!r.keys?.test(keys[i])) continue;
        hits ??= new Set();
        hits.add(r);
      }
      visit(obj[keys[i]], depth + 1);
    }
  };
  const src = span as unknown as Record<string, unknown>;
  for (const field of scan.fields) {
    hits = undefined;
    visit(src[field], 0);
    if (hits) f.hits.set(field, hits);
  }
  return f;
}

/** Whether `rule` finds something among `hits` (a field's). */
const hitBy = (hits: Set<Detector | CompiledRedaction> | undefined, rule: CompiledRedaction): boolean => hits !== undefined && (hits.has(rule) || rule.detectors.some((d) => hits.has(d)));

/** `ctx.detectors`' findings in `s`: the collected ones when `s` is in a field as the span has it. */
function findingsIn(s: string, ctx: Ctx): Finding[] {
  const f = ctx.findings;
  if (!f) return findAll(s, ctx.detectors);
  const raw = f.found.get(s);
  if (!raw) return [];
  // ranks index the union, whose order keeps each rule's own detector order: the tie-break holds
  return resolveOverlaps(raw.filter((x) => ctx.detectors.includes(f.detectors[x.rank])));
}

function hmac(key: string | undefined, value: string): string {
  return "hmac_" + createHmac("sha256", key ?? "").update(value).digest("hex").slice(0, 16);
}

function redactString(s: string, ctx: Ctx, depth = 0): Out {
  const json = jsonIn(s, ctx.json);
  if (json) {
    const r = walk(json, ctx, depth + 1);
    return r === json ? s : JSON.stringify(r === DROP ? null : r);
  }
  const found = findingsIn(s, ctx);
  if (found.length === 0) return s;
  for (const f of found) ctx.counts[f.detector] = (ctx.counts[f.detector] ?? 0) + 1;
  if (ctx.mode === "drop") return DROP;
  let out = "";
  let last = 0;
  for (const f of found) {
    out += s.slice(last, f.start);
    out += ctx.mode === "mask" ? `[REDACTED:${f.detector}]` : `[HASH:${f.detector}:${hmac(ctx.hashKey, s.slice(f.start, f.end))}]`;
    last = f.end;
  }
  return out + s.slice(last);
}

function redactWhole(value: unknown, ctx: Ctx): Out {
  ctx.counts["key"] = (ctx.counts["key"] ?? 0) + 1;
  if (ctx.mode === "drop") return DROP;
  if (ctx.mode === "mask") return "[REDACTED:key]";
  return `[HASH:key:${hmac(ctx.hashKey, typeof value === "string" ? value : JSON.stringify(value) ?? "")}]`;
}

/** Returns the same reference when nothing changed (so untouched subtrees are shared). */
function walk(value: unknown, ctx: Ctx, depth: number): Out {
  if (typeof value === "string") return redactString(value, ctx, depth);
  if (value === null || typeof value !== "object" || depth > 200) return value;
  if (Array.isArray(value)) {
    let copy: unknown[] | undefined;
    for (let i = 0; i < value.length; i++) {
      const r = walk(value[i], ctx, depth + 1);
      if (r !== value[i] && !copy) copy = value.slice(0, i);
      if (copy && r !== DROP) copy.push(r);
    }
    return copy ?? value;
  }
  let copy: Record<string, unknown> | undefined;
  const obj = value as Record<string, unknown>;
  const keys = Object.keys(obj); // not Object.entries: no [key, value] pair allocated per property
  for (let i = 0; i < keys.length; i++) {
    const k = keys[i];
    const v = obj[k];
    const r = ctx.keys?.test(k) ? redactWhole(v, ctx) : walk(v, ctx, depth + 1);
    if (r !== v && !copy) {
      copy = {};
      for (let j = 0; j < i; j++) copy[keys[j]] = obj[keys[j]];
    }
    if (copy && r !== DROP) copy[k] = r;
  }
  return copy ?? value;
}

/**
 * Applies redaction rules in order to one span; returns the original object when nothing matched.
 * `findings`, collected from `span` or from the span a chain of rules started at, spares the scans.
 */
export function redactSpan(span: CanonicalSpan, rules: readonly CompiledRedaction[], hashKey: string | undefined, counts: Record<string, number>, findings?: SpanFindings): CanonicalSpan {
  let out = span;
  for (const rule of rules) {
    const ctx: Ctx = { detectors: rule.detectors, keys: rule.keys, mode: rule.mode, hashKey, counts, findings: undefined, json: findings?.json };
    const src = out as unknown as Record<string, unknown>;
    let copy: Record<string, unknown> | undefined;
    for (const field of rule.fields) {
      const v = src[field];
      if (v === undefined || v === null) continue;
      // A field as the collected span has it: what this rule finds in it is known (nothing: it stays
      // as it is). A field an earlier rule changed holds strings that rule wrote: scanned afresh.
      const collected = findings !== undefined && v === (findings.span as unknown as Record<string, unknown>)[field];
      if (collected && !hitBy(findings.hits.get(field), rule)) continue;
      ctx.findings = collected ? findings : undefined;
      let r = walk(v, ctx, 0);
      if (r === v) continue;
      copy ??= { ...src };
      if (r === DROP && field === "name") r = "[REDACTED]";
      if (r === DROP) delete copy[field];
      else copy[field] = r;
    }
    if (copy) out = copy as unknown as CanonicalSpan;
  }
  return out;
}

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
import { createHmac } from "node:crypto";
import type { CanonicalSpan } from "../../lib/span/types.ts";
import { type Detector, findAll } from "../detectors/index.ts";
import type { CompiledRedaction, RedactableField } from "../types.ts";

export const ALL_FIELDS: readonly RedactableField[] = ["input", "output", "thinking", "attributes", "tool_calls", "events", "model_parameters", "status_message", "user_id", "session_id", "tags", "name", "prompt"];

const DROP: unique symbol = Symbol("drop");
type Out = unknown | typeof DROP;

interface Ctx {
  detectors: readonly Detector[];
  keys: RegExp | null;
  mode: "mask" | "hash" | "drop";
  hashKey: string | undefined;
  counts: Record<string, number>;
}

function hmac(key: string | undefined, value: string): string {
  return "hmac_" + createHmac("sha256", key ?? "").update(value).digest("hex").slice(0, 16);
}

/** A string holding a JSON object or array (OTel attributes, tool-call arguments): redacted as JSON. */
function redactJsonString(s: string, ctx: Ctx, depth: number): string | undefined {
  let parsed: unknown;
  try {
    parsed = JSON.parse(s);
  } catch {
    return undefined;
  }
  if (parsed === null || typeof parsed !== "object") return undefined;
  const r = walk(parsed, ctx, depth + 1);
  return r === parsed ? s : JSON.stringify(r === DROP ? null : r);
}

function redactString(s: string, ctx: Ctx, depth = 0): Out {
  const c = s.charCodeAt(0);
  if ((c === 123 || c === 91) && s.length > 1) {
    const end = s.charCodeAt(s.length - 1);
    if (end === 125 || end === 93) {
      const r = redactJsonString(s, ctx, depth);
      if (r !== undefined) return r;
    }
  }
  const found = findAll(s, ctx.detectors);
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

/** Applies redaction rules in order to one span; returns the original object when nothing matched. */
export function redactSpan(span: CanonicalSpan, rules: readonly CompiledRedaction[], hashKey: string | undefined, counts: Record<string, number>): CanonicalSpan {
  let out = span;
  for (const rule of rules) {
    const ctx: Ctx = { detectors: rule.detectors, keys: rule.keys, mode: rule.mode, hashKey, counts };
    const src = out as unknown as Record<string, unknown>;
    let copy: Record<string, unknown> | undefined;
    for (const field of rule.fields) {
      const v = src[field];
      if (v === undefined || v === null) continue;
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

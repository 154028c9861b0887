// Stage 4: transform, per destination, on the destination's (already redacted) copy. Transform rules
// run in file order; a rule applies when its `destinations` (default: all) include the destination
// and its `when` matches the copy as it is at that point. Within one rule the operations run in this
// order: set → rename → delete → enrich → truncate.
// Paths: a top-level canonical field (`environment`), `attributes.<key>` (attribute keys are flat and
// may contain dots: everything after `attributes.` is the key), or a dotted path into an object field
// (`model_parameters.temperature`, `prompt.name`). Identity fields (trace_id, span_id, parent_span_id,
// project_id, schema_version, source) cannot be changed; required fields cannot be deleted or renamed
// away (checked when the rules are compiled).
// truncate: walks the named fields (default input, output, thinking) and keeps at most `max_chars`
// characters of string content in total per field, in document order; a cut string ends with
// `…[truncated <n> chars]`. Structure is kept (later strings become "" + marker).
import type { CanonicalSpan } from "../../lib/span/types.ts";
import type { CompiledTransform, RedactableField, TransformRuleDoc } from "../types.ts";

type Obj = Record<string, unknown>;

export const IDENTITY_FIELDS = new Set(["trace_id", "span_id", "parent_span_id", "project_id", "schema_version", "source"]);
export const REQUIRED_FIELDS = new Set(["name", "kind", "start_time", "status"]);
const OBJECT_FIELDS = new Set(["attributes", "model_parameters", "prompt", "usage", "cost"]);

export function splitPath(path: string): string[] {
  const dot = path.indexOf(".");
  if (dot < 0) return [path];
  const head = path.slice(0, dot);
  if (head === "attributes") return [head, path.slice(dot + 1)];
  return [head, ...path.slice(dot + 1).split(".")];
}

function getPath(obj: Obj, parts: readonly string[]): unknown {
  let cur: unknown = obj;
  for (const p of parts) {
    if (cur === null || typeof cur !== "object") return undefined;
    cur = (cur as Obj)[p];
  }
  return cur;
}

/**
 * Copy-on-write set/delete: `root` is a private shallow copy; nested objects are copied on the way
 * down the first time only (`owned` holds the copies made during this chain of transforms). Returns
 * the root, a new object when a top-level field was removed.
 * A key is removed by rebuilding its object without it rather than with `delete`, which would turn
 * the object into a slow dictionary (JSON.stringify of such objects is about a third slower).
 */
function setPath(root: Obj, parts: readonly string[], value: unknown, remove: boolean, owned: Set<object>): Obj {
  let parent: Obj | undefined;
  let cur = root;
  for (let i = 0; i < parts.length - 1; i++) {
    const next = cur[parts[i]];
    if (remove && (next === null || typeof next !== "object")) return root;
    parent = cur;
    if (next !== null && typeof next === "object" && owned.has(next)) {
      cur = next as Obj;
      continue;
    }
    const copy: Obj = next !== null && typeof next === "object" && !Array.isArray(next) ? { ...(next as Obj) } : {};
    owned.add(copy);
    cur[parts[i]] = copy;
    cur = copy;
  }
  const last = parts[parts.length - 1];
  if (!remove) {
    cur[last] = value;
    return root;
  }
  if (!Object.hasOwn(cur, last)) return root;
  const rebuilt = withoutKey(cur, last);
  if (!parent) return rebuilt;
  owned.add(rebuilt);
  parent[parts[parts.length - 2]] = rebuilt;
  return root;
}

/** A copy of `obj` without `key`, its other properties in the same order. */
function withoutKey(obj: Obj, key: string): Obj {
  const copy: Obj = {};
  for (const k of Object.keys(obj)) {
    if (k === key) continue;
    if (k === "__proto__") Object.defineProperty(copy, k, { value: obj[k], enumerable: true, writable: true, configurable: true });
    else copy[k] = obj[k];
  }
  return copy;
}

/** Copy-on-write: returns the same reference when nothing had to be cut. */
function truncateValue(value: unknown, budget: { left: number }): unknown {
  if (typeof value === "string") {
    if (value.length <= budget.left) {
      budget.left -= value.length;
      return value;
    }
    const kept = value.slice(0, budget.left);
    const cut = value.length - kept.length;
    budget.left = 0;
    return `${kept}…[truncated ${cut} chars]`;
  }
  if (Array.isArray(value)) {
    let copy: unknown[] | undefined;
    for (let i = 0; i < value.length; i++) {
      const r = truncateValue(value[i], budget);
      if (r !== value[i] && !copy) copy = value.slice(0, i);
      if (copy) copy.push(r);
    }
    return copy ?? value;
  }
  if (value !== null && typeof value === "object") {
    let copy: Obj | undefined;
    const entries = Object.entries(value as Obj);
    for (let i = 0; i < entries.length; i++) {
      const [k, v] = entries[i];
      const r = truncateValue(v, budget);
      if (r !== v && !copy) copy = Object.fromEntries(entries.slice(0, i));
      if (copy) copy[k] = r;
    }
    return copy ?? value;
  }
  return value;
}

const DEFAULT_TRUNCATE: readonly RedactableField[] = ["input", "output", "thinking"];

/** A transform rule's paths, split once when the rules are compiled (they are applied to every span). */
export interface TransformPlan {
  set: Array<[parts: string[], value: unknown]>;
  rename: Array<[from: string[], to: string[]]>;
  delete: string[][];
  enrich: Array<{ from: string[]; to: string[]; map: Record<string, unknown>; default: unknown }>;
}

export function planTransform(doc: TransformRuleDoc): TransformPlan {
  return {
    set: Object.entries(doc.set ?? {}).map(([path, v]) => [splitPath(path), v]),
    rename: Object.entries(doc.rename ?? {}).map(([from, to]) => [splitPath(from), splitPath(to)]),
    delete: (doc.delete ?? []).map(splitPath),
    enrich: (doc.enrich ?? []).map((e) => ({ from: splitPath(e.from), to: splitPath(e.to), map: e.map, default: e.default })),
  };
}

/**
 * Applies `transforms` in order (each when its condition matches the copy as it is then); returns
 * the same span when none applied, else a new copy. `span` is never modified, so it may be the
 * shared result of an earlier chain (engine.ts continues from a common prefix of transforms).
 */
export function applyTransforms(span: CanonicalSpan, transforms: readonly CompiledTransform[], applied: string[]): CanonicalSpan {
  let o: Obj | undefined; // one private copy for the whole chain, made when the first transform applies
  const owned = new Set<object>();
  for (const t of transforms) {
    if (!t.when(o ?? span)) continue;
    applied.push(t.name);
    o ??= { ...(span as unknown as Obj) };
    const { doc, plan } = t;
    // set values are copied so that no two spans share (and a later transform changes) one object
    for (const [parts, v] of plan.set) o = setPath(o, parts, v !== null && typeof v === "object" ? structuredClone(v) : v, false, owned);
    for (const [from, to] of plan.rename) {
      const v = getPath(o, from);
      if (v === undefined) continue;
      o = setPath(o, from, undefined, true, owned);
      o = setPath(o, to, v, false, owned);
    }
    for (const parts of plan.delete) o = setPath(o, parts, undefined, true, owned);
    for (const e of plan.enrich) {
      const key = getPath(o, e.from);
      const hit = key !== undefined && key !== null && Object.hasOwn(e.map, String(key)) ? e.map[String(key)] : e.default;
      if (hit !== undefined) o = setPath(o, e.to, hit, false, owned);
    }
    if (doc.truncate) {
      for (const f of doc.truncate.fields ?? DEFAULT_TRUNCATE) {
        if (o[f] === undefined || o[f] === null) continue;
        o[f] = truncateValue(o[f], { left: doc.truncate.max_chars });
      }
    }
  }
  // A rule that applied without changing anything (a truncate under its budget, a set to the value
  // already there) leaves the span as it was: hand back the span itself, so the router does not
  // serialise a copy identical to it (or to another destination's copy) once more.
  return (o && !sameTopLevel(o, span as unknown as Obj) ? o : span) as unknown as CanonicalSpan;
}

/** The same keys in the same order holding the same values (references). */
function sameTopLevel(a: Obj, b: Obj): boolean {
  const ka = Object.keys(a);
  const kb = Object.keys(b);
  if (ka.length !== kb.length) return false;
  for (let i = 0; i < ka.length; i++) if (ka[i] !== kb[i] || a[ka[i]] !== b[ka[i]]) return false;
  return true;
}

export function isKnownPathHead(head: string): boolean {
  return CANONICAL_FIELDS.has(head);
}
export function isObjectField(head: string): boolean {
  return OBJECT_FIELDS.has(head);
}

export const CANONICAL_FIELDS = new Set([
  "schema_version", "trace_id", "span_id", "parent_span_id", "project_id", "name", "kind", "start_time", "end_time", "duration_ms",
  "status", "status_message", "level", "session_id", "user_id", "tags", "environment", "release", "service_name", "model", "provider",
  "model_parameters", "input", "output", "usage", "cost", "stop_reason", "first_token_ms", "thinking", "tool_calls", "prompt",
  "attributes", "events", "source",
]);

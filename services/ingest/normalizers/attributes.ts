// AttributeBag: read-and-consume access to one span's attributes.
//
// Every normalizer reads the keys of its convention through a bag; a key it reads with `take*` is
// CONSUMED: it is captured by a canonical field and will not be repeated in the span's `attributes`.
// What nobody consumed ends up in `attributes` (see `leftover()`), flattened to the canonical shape.
//
// Consumption rule shared by all normalizers: a recognised key is consumed even when a higher-priority
// convention already filled its field (first value wins), because it describes the same thing; the only
// exceptions are values that say something the field does not (e.g. a requested model that differs
// from the response model), which normalizers leave in place on purpose.
//
// Typed readers coerce gently, the way SDKs actually send values: numbers may arrive as numeric strings,
// booleans as "true"/"false", JSON values as strings. A value of the wrong type is consumed anyway when
// taken (it was the convention's key) but yields undefined.
import type { Attributes, AttrValue } from "../otlp/types.ts";

export type CanonicalAttributeValue = string | number | boolean | unknown[] | null;

export class AttributeBag {
  readonly #attrs: Attributes;
  /** Enumerated once: for-in over large (dictionary-mode) records is slow and every reader scans. */
  readonly #keys: readonly string[];
  readonly #consumed = new Set<string>();

  constructor(attrs: Attributes) {
    this.#attrs = attrs;
    this.#keys = Object.keys(attrs);
  }

  /** All keys of the span, consumed or not (what detection looks at). */
  get allKeys(): readonly string[] {
    return this.#keys;
  }

  has(key: string): boolean {
    return !this.#consumed.has(key) && this.#attrs[key] !== undefined;
  }

  /** Reads without consuming. */
  peek(key: string): AttrValue | undefined {
    return this.#consumed.has(key) ? undefined : this.#attrs[key];
  }

  peekString(key: string): string | undefined {
    return asString(this.peek(key));
  }

  take(key: string): AttrValue | undefined {
    const v = this.peek(key);
    if (v !== undefined) this.#consumed.add(key);
    return v;
  }

  /** The first present key wins; ALL listed keys are consumed (they are aliases of one another). */
  takeFirst(keys: readonly string[]): AttrValue | undefined {
    let found: AttrValue | undefined;
    for (const key of keys) {
      const v = this.take(key);
      if (found === undefined && v !== undefined && v !== null && v !== "") found = v;
    }
    return found;
  }

  takeString(...keys: string[]): string | undefined {
    return asString(this.takeFirst(keys));
  }

  takeNumber(...keys: string[]): number | undefined {
    return asNumber(this.takeFirst(keys));
  }

  /** A JSON-string attribute parsed, or a structured (array/kvlist) attribute as is. */
  takeJson(...keys: string[]): unknown {
    return parseJsonValue(this.takeFirst(keys));
  }

  consume(...keys: string[]): void {
    for (const key of keys) if (this.#attrs[key] !== undefined) this.#consumed.add(key);
  }

  /** Unconsumed keys under a prefix (prefix included in the key). Not consumed. */
  keysWithPrefix(prefix: string): string[] {
    const out: string[] = [];
    for (const key of this.#keys) if (key.startsWith(prefix) && !this.#consumed.has(key)) out.push(key);
    return out;
  }

  /** Consumes every unconsumed key under `prefix`, returning them with the prefix stripped. */
  takePrefix(prefix: string): Map<string, AttrValue> {
    const out = new Map<string, AttrValue>();
    for (const key of this.keysWithPrefix(prefix)) {
      out.set(key.slice(prefix.length), this.#attrs[key]);
      this.#consumed.add(key);
    }
    return out;
  }

  /** Unconsumed attributes in canonical form: flat string keys, kvlists flattened to dotted keys. */
  leftover(): Record<string, CanonicalAttributeValue> {
    const out: Record<string, CanonicalAttributeValue> = {};
    for (const key of this.#keys) {
      if (!this.#consumed.has(key)) flattenInto(out, key, this.#attrs[key]);
    }
    return out;
  }
}

// ---- value coercions (also used on values that are not attributes, e.g. parsed JSON) ---------------

export function asString(v: unknown): string | undefined {
  if (typeof v === "string") return v === "" ? undefined : v;
  if (typeof v === "number" || typeof v === "boolean") return String(v);
  return undefined;
}

export function asNumber(v: unknown): number | undefined {
  if (typeof v === "number") return Number.isFinite(v) ? v : undefined;
  if (typeof v === "string" && v.trim() !== "") {
    const n = Number(v);
    return Number.isFinite(n) ? n : undefined;
  }
  return undefined;
}

export function asBoolean(v: unknown): boolean | undefined {
  if (typeof v === "boolean") return v;
  if (v === "true") return true;
  if (v === "false") return false;
  return undefined;
}

/** Token counts: non-negative integers; fractional values (doubles on the wire) are rounded. */
export function asCount(v: unknown): number | undefined {
  const n = asNumber(v);
  return n === undefined || n < 0 ? undefined : Math.round(n);
}

export function asStringArray(v: unknown): string[] | undefined {
  if (Array.isArray(v)) {
    const out = v.map(asString).filter((s): s is string => s !== undefined);
    return out.length ? out : undefined;
  }
  const s = asString(v);
  return s === undefined ? undefined : [s];
}

/**
 * JSON-looking strings are parsed ("{…}", "[…]", quoted strings, and the literals JSON allows);
 * anything else is returned unchanged. Structured attribute values pass through.
 */
export function parseJsonValue(v: unknown): unknown {
  if (typeof v !== "string") return v;
  const s = v.trim();
  if (s === "") return v;
  const c = s.charCodeAt(0);
  // Only attempt a parse when the text can be JSON: { [ " or a number/literal start.
  if (c === 123 || c === 91 || c === 34 || s === "true" || s === "false" || s === "null") {
    try {
      return JSON.parse(s);
    } catch {
      return v;
    }
  }
  return v;
}

export function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

function flattenInto(out: Record<string, CanonicalAttributeValue>, key: string, v: AttrValue): void {
  if (isRecord(v)) {
    let empty = true;
    for (const k in v) {
      empty = false;
      flattenInto(out, `${key}.${k}`, v[k]);
    }
    // An empty kvlist still says the key was set; keep it visible.
    if (empty) out[key] = null;
    return;
  }
  if (key === "__proto__") {
    Object.defineProperty(out, key, { value: v, enumerable: true, writable: true, configurable: true });
    return;
  }
  out[key] = v;
}

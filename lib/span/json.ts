// A span's JSON, remembered from where it was parsed (a bus record) so that destinations which send
// canonical spans as they are (webhook, s3) and the delivery helper's batch sizing do not re-encode
// what they just decoded: with several destinations, the JSON.stringify per span per destination was
// a fifth of the deliver side's CPU. Spans are never mutated after parsing (mappers are pure), so the
// remembered text and bytes stay exact; a span with none is encoded once on demand.
//
// Parsed from a bus record's bytes (parseSpanBytes), one parse serves every reader of the SAME buffer:
// the embedded bus hands the buffer a producer wrote to every reader that keeps up, and the router
// writes one buffer to every destination's topic, so the deliver consumers of a local fan-out share
// one parsed span for as long as any of them still holds it (a WeakRef: nothing is kept for sharing).
import type { CanonicalSpan } from "./types.ts";

const texts = new WeakMap<CanonicalSpan, string>();
const bytes = new WeakMap<CanonicalSpan, Buffer>();
const parsedFrom = new WeakMap<Buffer, WeakRef<CanonicalSpan>>();

/** Parses a span from its JSON text and remembers the text. */
export function parseSpanJson(text: string): CanonicalSpan {
  const span = JSON.parse(text) as CanonicalSpan;
  if (span !== null && typeof span === "object") texts.set(span, text);
  return span;
}

/**
 * Parses a span from a bus record's value (UTF-8 JSON) and remembers the bytes. Another call with
 * the same Buffer object returns the same span while it is alive: callers must treat it as read-only.
 */
export function parseSpanBytes(value: Buffer): CanonicalSpan {
  const known = parsedFrom.get(value)?.deref();
  if (known) return known;
  const span = JSON.parse(value.toString("utf8")) as CanonicalSpan; // its text, if wanted, comes from the bytes
  if (span !== null && typeof span === "object") {
    bytes.set(span, value);
    parsedFrom.set(value, new WeakRef(span));
  }
  return span;
}

/** What a bus record tells of its span without parsing it: its key and its `project` and `span_id` headers. */
export interface SpanIdentity {
  trace_id: string;
  span_id: string;
  project_id: string;
}

/**
 * A span read from a bus record whose JSON is parsed only when something beyond its identity is read:
 * another field, its keys, a spread or JSON.stringify. Destinations that send the record's bytes as they
 * are (the store, webhooks) and the delivery helper (batch sizes, idempotency keys) never need more, so
 * the deliver role neither parses those spans nor keeps their objects alive while a batch is in flight.
 * Read-only, like every span parsed from bytes; the parse, when it comes, is the shared one of
 * parseSpanBytes.
 */
export function lazySpanFromBytes(value: Buffer, identity: SpanIdentity): CanonicalSpan {
  const span = new Proxy<LazyTarget>({ value, identity: identity as unknown as Record<PropertyKey, unknown>, parsed: undefined }, LAZY) as unknown as CanonicalSpan;
  bytes.set(span, value);
  return span;
}

/** A lazy span's state, as the target of its Proxy (whose traps never report the target's own keys). */
interface LazyTarget {
  value: Buffer;
  identity: Record<PropertyKey, unknown>;
  parsed: CanonicalSpan | undefined;
}

const full = (t: LazyTarget): CanonicalSpan => (t.parsed ??= parseSpanBytes(t.value));

/** One handler for every lazy span: nothing but the target is allocated per span. */
const LAZY: ProxyHandler<LazyTarget> = {
  get: (t, key) => (t.parsed === undefined && Object.hasOwn(t.identity, key) ? t.identity[key] : Reflect.get(full(t), key)),
  has: (t, key) => Reflect.has(full(t), key),
  ownKeys: (t) => Reflect.ownKeys(full(t)),
  getOwnPropertyDescriptor(t, key) {
    const own = Reflect.getOwnPropertyDescriptor(full(t), key);
    // The target's own keys are configurable and it is extensible, so any key may be reported as
    // present or absent, but only as configurable.
    return own && { ...own, configurable: true };
  },
  set: () => false,
  defineProperty: () => false,
  deleteProperty: () => false,
};

/** The span's JSON text: the remembered one, else decoded from its bytes, else JSON.stringify (then remembered). */
export function spanJson(span: CanonicalSpan): string {
  let text = texts.get(span);
  if (text === undefined) {
    text = bytes.get(span)?.toString("utf8") ?? JSON.stringify(span);
    texts.set(span, text);
  }
  return text;
}

/** The span's JSON as UTF-8 bytes: the record it was parsed from, else encoded once (then remembered). */
export function spanBytes(span: CanonicalSpan): Buffer {
  let b = bytes.get(span);
  if (b === undefined) {
    b = Buffer.from(spanJson(span), "utf8");
    bytes.set(span, b);
  }
  return b;
}

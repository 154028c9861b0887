// Stage 1: sample. Head sampling keeps a fraction of traces decided from the trace id alone, so every
// span (and every piece) of a trace gets the same answer in any process, after any restart. Tail
// sampling (any sampling rule reading `trace.*`) buffers a trace until it is quiet and then decides
// once for the whole trace over its aggregates — see TailSampler below.
//
// Rules are evaluated in order; the first whose `when` matches decides with its `keep` rate; a rule
// without `when` matches everything (use it last as the default); no match at all = keep.
// Head conditions should read trace-constant fields (project_id, environment, service_name): when
// spans of one trace match rules with different rates, the same hash threshold is used for both, so
// the trace is kept whole at the lower rate and partially at the higher (documented, not prevented).
import type { CanonicalSpan } from "../../lib/span/types.ts";
import type { CompiledRules, SampleDecision, TraceAggregates } from "../types.ts";

/** Deterministic position of a trace id in [0, 1): FNV-1a 32-bit then the murmur3 finaliser. */
export function traceHash(traceId: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < traceId.length; i++) {
    h ^= traceId.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return (h >>> 0) / 4294967296;
}

export function keepByRate(traceId: string, rate: number): boolean {
  if (rate >= 1) return true;
  if (rate <= 0) return false;
  return traceHash(traceId) < rate;
}

const KEEP_ALL: SampleDecision = Object.freeze({ rule: null, keep: 1, kept: true, mode: "none" }) as SampleDecision;

/** Decides for one span (head) or one trace (tail, with `trace` aggregates and a representative span). */
export function decideSample(rules: CompiledRules, span: CanonicalSpan, trace?: TraceAggregates): SampleDecision {
  if (rules.sampling.length === 0) return KEEP_ALL;
  const mode = trace ? "tail" : "head";
  const data = trace ? { ...span, trace } : span;
  for (const r of rules.sampling) {
    if (r.when(data)) return { rule: r.name, keep: r.keep, kept: keepByRate(span.trace_id, r.keep), mode };
  }
  return { rule: null, keep: 1, kept: true, mode };
}

// ---------------------------------------------------------------------------------------------------
// Tail sampling.
//
// Spans (and pieces) are buffered per trace. A trace is decided when no span of it arrived for
// `decision_wait_ms` (quiet), or when it has been buffered for `max_trace_ms`. The Kafka key
// (trace_id) keeps a trace on one router, so one sampler sees all of it.
//
// Memory budget: at most `max_buffered_spans` spans and `max_buffered_bytes` bytes are held. When an
// add would exceed either, the least recently active traces are decided EARLY (on the aggregates seen
// so far) and released until the budget holds again — nothing is ever dropped for lack of memory, but
// such a decision may miss later spans (released with reason "overflow", counted in metrics).
// Decisions are remembered (LRU, `decided_cache_size` traces) so late spans of a decided trace follow
// the decision immediately; a late span of a trace already evicted from that cache starts a new
// buffer and is decided on its own aggregates.
// Time comes from an injectable clock; nothing here sets timers (the owner calls poll()).
// ---------------------------------------------------------------------------------------------------

export interface Clock {
  now(): number;
}
export const systemClock: Clock = { now: () => Date.now() };

export interface TailItem<T> {
  span: CanonicalSpan;
  payload: T;
  bytes: number;
}
export interface TailRelease<T> {
  traceId: string;
  decision: SampleDecision;
  reason: "quiet" | "max_trace" | "overflow" | "late" | "flush";
  items: Array<TailItem<T>>;
}

interface SpanAgg {
  error: boolean;
  cost: number;
  tokens: number;
  start: number;
  end: number;
  name: string | undefined;
  root: boolean;
  model: string | undefined;
}
interface Pending<T> {
  items: Array<TailItem<T>>;
  bytes: number;
  firstSeen: number;
  lastSeen: number;
  spans: Map<string, SpanAgg>;
}

export const TAIL_DEFAULTS = { decision_wait_ms: 10_000, max_trace_ms: 300_000, max_buffered_spans: 100_000, max_buffered_bytes: 256 * 1024 * 1024, decided_cache_size: 100_000 };

export class TailSampler<T> {
  private readonly pending = new Map<string, Pending<T>>(); // insertion order = least recently active first
  private readonly decided = new Map<string, SampleDecision>(); // LRU
  private spanCount = 0;
  private byteCount = 0;
  private readonly rules: () => CompiledRules;
  private readonly clock: Clock;

  constructor(rules: () => CompiledRules, clock: Clock = systemClock) {
    this.rules = rules;
    this.clock = clock;
  }

  get buffered(): { traces: number; spans: number; bytes: number } {
    return { traces: this.pending.size, spans: this.spanCount, bytes: this.byteCount };
  }

  /** Buffers one span or piece (`fields` = the fields a piece really set; others are placeholders). Returns what must be released now. */
  add(span: CanonicalSpan, payload: T, bytes: number, fields?: readonly string[]): Array<TailRelease<T>> {
    const now = this.clock.now();
    const settings = this.rules().tailSettings;
    const known = this.decided.get(span.trace_id);
    if (known) {
      this.decided.delete(span.trace_id);
      this.decided.set(span.trace_id, known);
      return [{ traceId: span.trace_id, decision: known, reason: "late", items: [{ span, payload, bytes }] }];
    }
    let p = this.pending.get(span.trace_id);
    if (p) this.pending.delete(span.trace_id);
    else p = { items: [], bytes: 0, firstSeen: now, lastSeen: now, spans: new Map() };
    this.pending.set(span.trace_id, p);
    p.items.push({ span, payload, bytes });
    p.bytes += bytes;
    p.lastSeen = now;
    this.spanCount++;
    this.byteCount += bytes;
    foldAgg(p.spans, span, fields);
    const out: Array<TailRelease<T>> = [];
    if (now - p.firstSeen >= settings.max_trace_ms) out.push(this.decide(span.trace_id, "max_trace"));
    while (this.pending.size > 0 && (this.spanCount > settings.max_buffered_spans || this.byteCount > settings.max_buffered_bytes)) {
      const oldest = this.pending.keys().next().value as string;
      out.push(this.decide(oldest, "overflow"));
    }
    return out;
  }

  /** Decides every trace that is quiet (or too old) at the clock's current time. */
  poll(): Array<TailRelease<T>> {
    const now = this.clock.now();
    const { decision_wait_ms, max_trace_ms } = this.rules().tailSettings;
    const out: Array<TailRelease<T>> = [];
    for (const [traceId, p] of this.pending) {
      if (now - p.lastSeen >= decision_wait_ms) out.push(this.decide(traceId, "quiet"));
      else if (now - p.firstSeen >= max_trace_ms) out.push(this.decide(traceId, "max_trace"));
      else break; // ordered by last activity: the rest are younger (max_trace traces are caught on add)
    }
    return out;
  }

  /** Decides everything now (shutdown, or rules no longer tail-sampled). */
  flush(): Array<TailRelease<T>> {
    return [...this.pending.keys()].map((t) => this.decide(t, "flush"));
  }

  private decide(traceId: string, reason: TailRelease<T>["reason"]): TailRelease<T> {
    const p = this.pending.get(traceId)!;
    this.pending.delete(traceId);
    this.spanCount -= p.items.length;
    this.byteCount -= p.bytes;
    const agg = aggregates(p.spans);
    const representative = pickRepresentative(p);
    const decision = decideSample(this.rules(), representative, agg);
    const cacheSize = this.rules().tailSettings.decided_cache_size;
    if (cacheSize > 0) {
      this.decided.set(traceId, decision);
      while (this.decided.size > cacheSize) this.decided.delete(this.decided.keys().next().value as string);
    }
    return { traceId, decision, reason, items: p.items };
  }
}

function pickRepresentative<T>(p: Pending<T>): CanonicalSpan {
  for (const it of p.items) if (!it.span.parent_span_id) return it.span;
  return p.items[0].span;
}

function foldAgg(spans: Map<string, SpanAgg>, span: CanonicalSpan, fields?: readonly string[]): void {
  const has = (f: string) => !fields || fields.includes(f);
  let a = spans.get(span.span_id);
  if (!a) {
    a = { error: false, cost: 0, tokens: 0, start: Number.POSITIVE_INFINITY, end: Number.NEGATIVE_INFINITY, name: undefined, root: false, model: undefined };
    spans.set(span.span_id, a);
  }
  if (has("status") && span.status === "error") a.error = true;
  if (has("level") && span.level === "error") a.error = true;
  if (has("cost") && typeof span.cost?.total_usd === "number") a.cost = Math.max(a.cost, span.cost.total_usd);
  if (has("usage") && span.usage) {
    const t = span.usage.total_tokens ?? (span.usage.input_tokens ?? 0) + (span.usage.output_tokens ?? 0);
    if (typeof t === "number") a.tokens = Math.max(a.tokens, t);
  }
  if (has("start_time")) {
    const s = Date.parse(span.start_time);
    if (Number.isFinite(s)) a.start = Math.min(a.start, s);
  }
  if (has("end_time") && span.end_time) {
    const e = Date.parse(span.end_time);
    if (Number.isFinite(e)) a.end = Math.max(a.end, e);
  }
  if (has("name")) a.name = span.name;
  if (has("parent_span_id")) a.root = !span.parent_span_id;
  else if (!fields) a.root = !span.parent_span_id;
  if (has("model") && span.model) a.model = span.model;
}

export function aggregates(spans: Map<string, SpanAgg>): TraceAggregates {
  let has_error = false;
  let cost = 0;
  let tokens = 0;
  let start = Number.POSITIVE_INFINITY;
  let end = Number.NEGATIVE_INFINITY;
  let root: string | null = null;
  const models = new Set<string>();
  for (const a of spans.values()) {
    has_error ||= a.error;
    cost += a.cost;
    tokens += a.tokens;
    start = Math.min(start, a.start);
    end = Math.max(end, a.end, a.start);
    if (a.root && root === null && a.name !== undefined) root = a.name;
    if (a.model) models.add(a.model);
  }
  return {
    has_error,
    total_cost_usd: Math.round(cost * 1e9) / 1e9,
    total_tokens: tokens,
    duration_ms: Number.isFinite(start) && Number.isFinite(end) ? end - start : 0,
    span_count: spans.size,
    root_name: root,
    models: [...models].sort(),
  };
}

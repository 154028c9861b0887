// Where a span sits in a LangSmith trace: run id, trace id (the root run's id), parent run id and
// dotted_order (NOTES.md §3). Pure; only the spans of one batch are known.
//
// Run ids are UUIDs hashed from (trace_id, span_id), so a retry, redelivery or replay writes the same
// runs. dotted_order needs every ancestor's start time and id, but a canonical span only names its
// parent. So, within the batch, ancestors are followed exactly (root first, own segment last, child
// start clamped to its parent's). When the chain leaves the batch at a missing parent P, P is taken
// to be the trace root: dotted_order = seg(P).seg(self), trace_id = run id of P, with P's start
// approximated by the earliest start among P's children in the batch. That keeps every invariant the server checks
// (last id = run, first = trace_id, penultimate = parent_run_id, non-decreasing times) and is exact
// for a parent that really is the root; a deeper tree split over batches gets a shortened path and
// its lower part a separate trace (README "Limitations").
import { createHash } from "node:crypto";
import type { CanonicalSpan } from "../../lib/span/types.ts";

export interface Placement {
  span: CanonicalSpan;
  id: string;
  traceId: string;
  parentId?: string;
  dottedOrder: string;
  /** The span's start, clamped to be no earlier than its parent's: the time in its own segment. */
  startTime: string;
}

/** Deterministic UUID (version 8, RFC 9562 "custom") for a span of a trace. */
export function runId(traceId: string, spanId: string): string {
  const b = createHash("sha256").update("tracerelay.langsmith.run\0").update(traceId).update("\0").update(spanId).digest().subarray(0, 16);
  b[6] = (b[6] & 0x0f) | 0x80;
  b[8] = (b[8] & 0x3f) | 0x80;
  const h = b.toString("hex");
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
}

/** `2026-03-01T10:00:00.123456Z` + id → `20260301T100000123456Z<id>` (6 fractional digits, always). */
export function segment(canonicalTime: string, id: string): string {
  const t = canonicalTime;
  return `${t.slice(0, 4)}${t.slice(5, 7)}${t.slice(8, 10)}T${t.slice(11, 13)}${t.slice(14, 16)}${t.slice(17, 19)}${t.slice(20, 26)}Z${id}`;
}

// Canonical times have one fixed format (lib/span/time.ts), so string order is time order.
export const later = (a: string, b: string): string => (a > b ? a : b);

/**
 * Places every span of a batch (keyed by trace and span id; a later copy of a span replaces an earlier
 * one). The map's order is the batch order with each in-batch parent moved before its children.
 */
export function placeAll(spans: Iterable<CanonicalSpan>, startOf: (s: CanonicalSpan) => string): Map<string, Placement> {
  const bySpan = new Map<string, CanonicalSpan>();
  for (const s of spans) bySpan.set(`${s.trace_id}:${s.span_id}`, s);
  // A parent missing from the batch gets, as its approximate start, the earliest start among its
  // children here: no later than any of them, and one prefix shared by all siblings of the batch.
  const missingStart = new Map<string, string>();
  for (const s of bySpan.values()) {
    const parentKey = `${s.trace_id}:${s.parent_span_id}`;
    if (!s.parent_span_id || bySpan.has(parentKey)) continue;
    const t = startOf(s);
    const known = missingStart.get(parentKey);
    if (known === undefined || t < known) missingStart.set(parentKey, t);
  }
  const placed = new Map<string, Placement>();
  const visiting = new Set<string>();

  const place = (span: CanonicalSpan): Placement => {
    const key = `${span.trace_id}:${span.span_id}`;
    const done = placed.get(key);
    if (done) return done;
    visiting.add(key);
    const id = runId(span.trace_id, span.span_id);
    const own = startOf(span);
    let p: Placement;
    const parentSpanId = span.parent_span_id;
    if (!parentSpanId) {
      p = { span, id, traceId: id, dottedOrder: segment(own, id), startTime: own };
    } else {
      const parentKey = `${span.trace_id}:${parentSpanId}`;
      const parent = bySpan.get(parentKey);
      if (parent && !visiting.has(parentKey)) {
        const pp = place(parent);
        const start = later(own, pp.startTime);
        p = { span, id, traceId: pp.traceId, parentId: pp.id, dottedOrder: `${pp.dottedOrder}.${segment(start, id)}`, startTime: start };
      } else {
        // Parent outside the batch (or a cycle): assume it is the trace root.
        const pid = runId(span.trace_id, parentSpanId);
        const parentStart = missingStart.get(parentKey) ?? own;
        p = { span, id, traceId: pid, parentId: pid, dottedOrder: `${segment(parentStart, pid)}.${segment(own, id)}`, startTime: own };
      }
    }
    visiting.delete(key);
    placed.set(key, p);
    return p;
  };

  for (const s of bySpan.values()) place(s);
  return placed;
}

// Body of a signed webhook (`POST /v1/webhooks/:source`, after verify.ts) → canonical span envelopes.
// Accepted shapes: one canonical span object, `{ "spans": [span, …] }`, or a bare array of spans
// (schemas/span.v1.schema.json). Each span is judged on its own: valid ones become envelopes, invalid ones
// are reported by index with JSON paths relative to that span (`/usage/input_tokens must be integer`).
// Whatever the sender wrote, `project_id` becomes the project the webhook source belongs to and
// `source.format` becomes `webhook` (a signed source cannot write into another project or pose as OTLP).
// Leniency, so hand-written senders need not reimplement our time format: `start_time`, `end_time` and
// `events[].time` may be any ISO 8601 date-time or epoch milliseconds and are normalized to canonical
// time; a missing `duration_ms` is derived from start and end.
import { TracerelayError } from "../../../lib/errors.ts";
import type { SpanEnvelope } from "../../../lib/span/envelope.ts";
import { durationMs, toCanonicalTime } from "../../../lib/span/time.ts";
import { validateSpan } from "../../../lib/span/validate.ts";

export interface WebhookSpansContext {
  projectId: string;
}

export interface WebhookSpanError {
  /** Position of the span in the request (0 for a single-span body). */
  index: number;
  errors: string[];
}

export interface WebhookSpansResult {
  envelopes: SpanEnvelope[];
  errors: WebhookSpanError[];
}

type JsonObject = Record<string, unknown>;

const isObject = (v: unknown): v is JsonObject => v !== null && typeof v === "object" && !Array.isArray(v);

/** Throws TracerelayError TR_SPANS_INVALID when the body is none of the accepted shapes. */
export function parseWebhookSpans(body: unknown, ctx: WebhookSpansContext): WebhookSpansResult {
  const result: WebhookSpansResult = { envelopes: [], errors: [] };
  spanList(body).forEach((item, index) => {
    if (!isObject(item)) {
      result.errors.push({ index, errors: ["/ must be an object (a canonical span)"] });
      return;
    }
    const checked = validateSpan(prepare(item, ctx));
    if (checked.ok) result.envelopes.push({ span: checked.span });
    else result.errors.push({ index, errors: checked.errors });
  });
  return result;
}

function spanList(body: unknown): unknown[] {
  if (Array.isArray(body)) return body;
  if (isObject(body) && "spans" in body) {
    if (Array.isArray(body.spans)) return body.spans;
    throw new TracerelayError("TR_SPANS_INVALID", "/spans must be an array of canonical spans");
  }
  if (isObject(body)) return [body];
  throw new TracerelayError("TR_SPANS_INVALID", "the body must be a canonical span, an array of spans or {\"spans\": [...]}");
}

/** Forces project and source, normalizes times; leaves everything else for validateSpan to judge. */
function prepare(item: JsonObject, ctx: WebhookSpansContext): JsonObject {
  const span: JsonObject = {
    ...item,
    project_id: ctx.projectId,
    source: { ...(isObject(item.source) ? item.source : {}), format: "webhook" },
  };
  for (const key of ["start_time", "end_time"]) span[key] = canonicalOrAsIs(span[key]);
  if (Array.isArray(span.events)) {
    span.events = span.events.map((e) => (isObject(e) ? { ...e, time: canonicalOrAsIs(e.time) } : e));
  }
  const { start_time: start, end_time: end } = span;
  if (span.duration_ms === undefined && isCanonical(start) && isCanonical(end) && end >= start) {
    span.duration_ms = durationMs(start, end);
  }
  return span;
}

const CANONICAL_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{6}Z$/;
const isCanonical = (v: unknown): v is string => typeof v === "string" && CANONICAL_TIME.test(v);

function canonicalOrAsIs(value: unknown): unknown {
  if (typeof value !== "string" && typeof value !== "number") return value;
  return toCanonicalTime(value) ?? value;
}

// Canonical spans → one OTLP ExportTraceServiceRequest (protobuf, or OTLP/JSON per the OTLP/HTTP JSON
// mapping: hex ids, lowerCamelCase fields, enums as integers, 64-bit integers as decimal strings).
//
// - Spans are grouped into one ResourceSpans per (project, service, environment, release): resource
//   attributes service.name, deployment.environment.name, service.version, tracerelay.project_id.
//   One InstrumentationScope, "tracerelay", per resource.
// - Span attributes = the span's own `attributes`, then the GenAI convention attributes (gen-ai.ts; the
//   canonical fields win a clash), then `options.spanAttributes` (the caller's, e.g. a vendor's keys).
// - SpanKind: the original OTel kind when the span came through OTLP (`otel.span_kind`), else CLIENT for
//   calls to a model or index (llm, embedding, rerank, retrieval) and INTERNAL for the rest.
// - Canonical spans carry no links, so none are written; events are.
import { Buffer } from "node:buffer";
import type { CanonicalSpan, SpanKind } from "../span/types.ts";
import { toUnixMicros } from "../span/time.ts";
import { JSON_CODEC, keyValues, PROTOBUF_CODEC, type WireCodec } from "./any-value.ts";
import { genAiAttributes } from "./gen-ai.ts";
import { ExportTraceServiceRequest } from "./proto.ts";

export type OtlpAttributeValue = string | number | boolean | string[] | number[] | boolean[] | undefined;

export interface OtlpEncodeOptions {
  /** Extra attributes per span, merged over the GenAI ones; undefined values are omitted. */
  spanAttributes?: (span: CanonicalSpan) => Record<string, OtlpAttributeValue>;
}

export interface OtlpBody {
  body: Uint8Array | string;
  contentType: "application/x-protobuf" | "application/json";
}

export const SCOPE_NAME = "tracerelay";

const OTEL_KIND = { INTERNAL: 1, SERVER: 2, CLIENT: 3, PRODUCER: 4, CONSUMER: 5 } as const;
const OTEL_KIND_BY_NAME: Record<string, number> = {
  internal: OTEL_KIND.INTERNAL,
  server: OTEL_KIND.SERVER,
  client: OTEL_KIND.CLIENT,
  producer: OTEL_KIND.PRODUCER,
  consumer: OTEL_KIND.CONSUMER,
};
const CLIENT_KINDS: readonly SpanKind[] = ["llm", "embedding", "rerank", "retrieval"];
const STATUS_CODE = { unset: 0, ok: 1, error: 2 } as const;

export function encodeOtlpTraces(spans: CanonicalSpan[], format: "protobuf" | "json", options: OtlpEncodeOptions = {}): OtlpBody {
  if (format === "json") {
    return { body: JSON.stringify(buildRequest(spans, JSON_CODEC, options)), contentType: "application/json" };
  }
  // protobufjs encodes plain objects as long as every field already has its wire type (bytes, Long-like).
  const bytes = ExportTraceServiceRequest.encode(buildRequest(spans, PROTOBUF_CODEC, options)).finish();
  return { body: bytes, contentType: "application/x-protobuf" };
}

/** The request tree, with ids, times and int64 values written by the codec. */
function buildRequest(spans: CanonicalSpan[], codec: WireCodec, options: OtlpEncodeOptions = {}): { resourceSpans: object[] } {
  const groups = new Map<string, { resource: Record<string, unknown>; spans: object[] }>();
  for (const span of spans) {
    const resource = resourceAttributes(span);
    const key = JSON.stringify(resource);
    let group = groups.get(key);
    if (!group) {
      group = { resource, spans: [] };
      groups.set(key, group);
    }
    group.spans.push(encodeSpan(span, codec, options));
  }
  return {
    resourceSpans: [...groups.values()].map((g) => ({
      resource: { attributes: keyValues(g.resource, codec) },
      scopeSpans: [{ scope: { name: SCOPE_NAME }, spans: g.spans }],
    })),
  };
}

function resourceAttributes(span: CanonicalSpan): Record<string, unknown> {
  return {
    "service.name": span.service_name ?? undefined,
    "deployment.environment.name": span.environment ?? undefined,
    "service.version": span.release ?? undefined,
    "tracerelay.project_id": span.project_id,
  };
}

/** Canonical time (RFC 3339, microseconds) → unix nanoseconds. */
export function toUnixNanos(canonical: string): bigint {
  return toUnixMicros(canonical) * 1000n;
}

function encodeSpan(span: CanonicalSpan, codec: WireCodec, options: OtlpEncodeOptions): object {
  const attributes: Record<string, unknown> = { ...span.attributes };
  for (const [k, v] of Object.entries(genAiAttributes(span))) if (v !== undefined) attributes[k] = v;
  if (options.spanAttributes) {
    for (const [k, v] of Object.entries(options.spanAttributes(span))) if (v !== undefined) attributes[k] = v;
  }
  const out: Record<string, unknown> = {
    traceId: codec.id(span.trace_id),
    spanId: codec.id(span.span_id),
    name: span.name,
    kind: otelKind(span),
    startTimeUnixNano: codec.nanos(toUnixNanos(span.start_time)),
    // A span without an end (still open at the source) is written as ending where it started.
    endTimeUnixNano: codec.nanos(toUnixNanos(span.end_time ?? span.start_time)),
    attributes: keyValues(attributes, codec),
    status: status(span),
  };
  if (span.parent_span_id) out.parentSpanId = codec.id(span.parent_span_id);
  if (span.events?.length) {
    out.events = span.events.map((e) => ({
      timeUnixNano: codec.nanos(toUnixNanos(e.time)),
      name: e.name,
      attributes: keyValues(e.attributes ?? {}, codec),
    }));
  }
  return out;
}

function otelKind(span: CanonicalSpan): number {
  const original = span.attributes?.["otel.span_kind"];
  const known = typeof original === "string" ? OTEL_KIND_BY_NAME[original] : undefined;
  return known ?? (CLIENT_KINDS.includes(span.kind) ? OTEL_KIND.CLIENT : OTEL_KIND.INTERNAL);
}

function status(span: CanonicalSpan): { code: number; message?: string } {
  const s: { code: number; message?: string } = { code: STATUS_CODE[span.status] };
  // OTel allows a description only with ERROR.
  if (span.status === "error" && span.status_message) s.message = span.status_message;
  return s;
}

/** Body bytes for transports and tests (a JSON body as UTF-8). */
export function bodyBytes(body: OtlpBody): Buffer {
  return typeof body.body === "string" ? Buffer.from(body.body, "utf8") : Buffer.from(body.body);
}

// OTLP export request (decoded, neutral shape) → canonical spans. The format-level part of
// normalization lives here: ids, times, status, resource and scope, events, schema limits, cost.
// Everything LLM-specific is delegated to the convention normalizers picked by detect.ts.
//
// Invariants:
// - every input span yields exactly one outcome: a canonical span that satisfies span.v1.schema.json,
//   or an entry in `rejected` with its index (position in the request, counting spans across all
//   resource/scope groups from 0), its span id when readable, and the reason; nothing throws;
// - rejected: missing/invalid/all-zero trace or span id, a malformed parent id, a missing or
//   out-of-range start time. NOT rejected: an end before the start (clamped to the start, flagged
//   `tracerelay.end_time_clamped`), a missing end (end_time and duration_ms null), an all-zero
//   parent id (a root, as several encoders write it);
// - strings the schema bounds (name, session/user ids, tags, model, …) are truncated to fit;
// - attributes nobody consumed are kept, plus `otel.scope.name` / `otel.scope.version`,
//   `otel.span_kind` and the resource attributes under `resource.*` (a span's own key wins a clash);
// - within one request, a wrapper or duplicate description of a model call is re-kinded so trace
//   totals count each call once (demoteWrapperModelSpans, markDuplicateModelCalls).
import { computeCost } from "../../../lib/pricing/cost.ts";
import type { PriceOverrides } from "../../../lib/pricing/overrides.ts";
import { isSpanId, isTraceId } from "../../../lib/span/ids.ts";
import { fromUnixNanos } from "../../../lib/span/time.ts";
import type { CanonicalSpan, SourceFormat } from "../../../lib/span/types.ts";
import type { OtlpEvent, OtlpExportRequest, OtlpResourceSpans, OtlpScope, OtlpSpan } from "../otlp/types.ts";
import { AttributeBag, type CanonicalAttributeValue } from "./attributes.ts";
import { normalizeCommon } from "./common.ts";
import { detectConventions } from "./detect.ts";
import type { Convention, ConventionInput, ConventionNormalizer, SpanDraft } from "./draft.ts";
import { normalizeGenAi } from "./gen-ai.ts";
import { normalizeLangfuseOtel } from "./langfuse-otel.ts";
import { normalizeOpenInference } from "./openinference.ts";
import { normalizeOpenLlmetry } from "./openllmetry.ts";
import { normalizeVercelAi } from "./vercel-ai.ts";

export interface NormalizeContext {
  projectId: string;
  format: Extract<SourceFormat, "otlp">;
  priceOverrides?: PriceOverrides;
}

export interface RejectedSpan {
  index: number;
  spanId?: string;
  reason: string;
}

export interface NormalizeResult {
  spans: CanonicalSpan[];
  rejected: RejectedSpan[];
}

const NORMALIZERS: Record<Convention, ConventionNormalizer> = {
  langfuse: normalizeLangfuseOtel,
  openinference: normalizeOpenInference,
  vercel_ai: normalizeVercelAi,
  openllmetry: normalizeOpenLlmetry,
  gen_ai: normalizeGenAi,
};

const OTEL_SPAN_KINDS = ["unspecified", "internal", "server", "client", "producer", "consumer"];

export function normalizeOtlp(req: OtlpExportRequest, ctx: NormalizeContext): NormalizeResult {
  const spans: CanonicalSpan[] = [];
  const rejected: RejectedSpan[] = [];
  let index = 0;
  for (const rs of req.resourceSpans) {
    const resource = resourceContext(rs);
    for (const ss of rs.scopeSpans) {
      for (const span of ss.spans) {
        const outcome = normalizeSafely(span, ss.scope, resource, ctx);
        if (typeof outcome === "string") {
          rejected.push(span.spanId ? { index, spanId: span.spanId, reason: outcome } : { index, reason: outcome });
        } else spans.push(outcome);
        index++;
      }
    }
  }
  demoteWrapperModelSpans(spans);
  markDuplicateModelCalls(spans);
  return { spans, rejected };
}

/** A span whose data trips a normalizer bug is rejected with the reason, not the whole request. */
function normalizeSafely(span: OtlpSpan, scope: OtlpScope, resource: ResourceContext, ctx: NormalizeContext) {
  try {
    return normalizeSpan(span, scope, resource, ctx);
  } catch (err) {
    return `could not normalize span: ${(err as Error).message}`;
  }
}

// ---- resource ---------------------------------------------------------------------------------------

interface ResourceContext {
  serviceName?: string;
  environment?: string;
  release?: string;
  serviceVersion?: string;
  attributes: Record<string, CanonicalAttributeValue>;
}

/** Resource keys with canonical fields: service_name, environment, release (Langfuse's keys first). */
function resourceContext(rs: OtlpResourceSpans): ResourceContext {
  const bag = new AttributeBag(rs.resource.attributes);
  const ctx: ResourceContext = {
    serviceName: bag.takeString("service.name"),
    environment: bag.takeString("langfuse.environment", "deployment.environment.name", "deployment.environment"),
    release: bag.takeString("langfuse.release"),
    serviceVersion: bag.takeString("service.version"),
    attributes: {},
  };
  for (const [key, value] of Object.entries(bag.leftover())) ctx.attributes[`resource.${key}`] = value;
  return ctx;
}

// ---- one span -------------------------------------------------------------------------------------

/** Year 9999: later timestamps cannot be written as RFC 3339. */
const MAX_NANOS = 253402300799999999999n;

function normalizeSpan(
  span: OtlpSpan,
  scope: OtlpScope,
  resource: ResourceContext,
  ctx: NormalizeContext,
): CanonicalSpan | string {
  if (!span.traceId) return "missing trace_id";
  if (!isTraceId(span.traceId)) return `invalid trace_id "${span.traceId}": must be 32 hex digits, not all zero`;
  if (!span.spanId) return "missing span_id";
  if (!isSpanId(span.spanId)) return `invalid span_id "${span.spanId}": must be 16 hex digits, not all zero`;
  let parent: string | null = null;
  if (span.parentSpanId && !/^0+$/.test(span.parentSpanId)) {
    if (!isSpanId(span.parentSpanId)) return `invalid parent_span_id "${span.parentSpanId}": must be 16 hex digits`;
    parent = span.parentSpanId;
  }
  const start = span.startTimeUnixNano;
  if (start === null) return "missing start_time_unix_nano";
  if (start > MAX_NANOS) return `start_time_unix_nano ${start} is out of range`;
  let end = span.endTimeUnixNano;
  if (end !== null && end > MAX_NANOS) return `end_time_unix_nano ${end} is out of range`;
  const clamped = end !== null && end < start;
  if (clamped) end = start;

  const bag = new AttributeBag(span.attributes);
  const draft: SpanDraft = {};
  const input: ConventionInput = { bag, draft, span, scope, startNanos: start, consumedEvents: new Set() };
  const detection = detectConventions(span.attributes, scope.name, bag.allKeys);
  for (const convention of detection.order) NORMALIZERS[convention](input);
  normalizeCommon(input);

  const startTime = fromUnixNanos(start);
  const otelStatus = span.status.code === 2 ? "error" : span.status.code === 1 ? "ok" : "unset";
  const level = draft.level ?? (otelStatus === "error" ? "error" : "default");
  const statusMessage = draft.status_message ?? (span.status.message || undefined);
  const cost = computeCost(
    { start_time: startTime, model: draft.model, provider: draft.provider, usage: draft.usage, cost: draft.cost },
    ctx.priceOverrides,
  );

  // Built in the schema's field order, so stored and delivered JSON reads the same for every span;
  // `source`, the last field, is added at the end.
  const out = {
    schema_version: 1,
    trace_id: span.traceId,
    span_id: span.spanId,
    parent_span_id: parent,
    project_id: ctx.projectId,
    name: bounded(draft.name ?? span.name, 1000),
    kind: draft.kind ?? "custom",
    start_time: startTime,
    end_time: end === null ? null : fromUnixNanos(end),
    duration_ms: end === null ? null : Number(end / 1000n - start / 1000n) / 1000,
    // A Langfuse level ERROR marks a failure even where the OTel status stays UNSET.
    status: level === "error" ? "error" : otelStatus,
  } as CanonicalSpan;
  if (statusMessage !== undefined) out.status_message = statusMessage;
  out.level = level;
  setBounded(out, "session_id", draft.session_id, 800);
  setBounded(out, "user_id", draft.user_id, 800);
  if (draft.tags) out.tags = draft.tags.slice(0, 100).map((t) => bounded(t, 200));
  setBounded(out, "environment", draft.environment ?? resource.environment, 200);
  // release: an explicit release (span, then resource) → the Langfuse observation version → service.version
  const release = draft.release ?? resource.release ?? bag.takeString("langfuse.version") ?? resource.serviceVersion;
  setBounded(out, "release", release, 200);
  setBounded(out, "service_name", resource.serviceName, 200);
  setBounded(out, "model", draft.model, 200);
  setBounded(out, "provider", draft.provider, 100);
  if (draft.model_parameters) out.model_parameters = draft.model_parameters;
  if (draft.input !== undefined) out.input = draft.input;
  if (draft.output !== undefined) out.output = draft.output;
  if (draft.usage) out.usage = draft.usage;
  if (cost) out.cost = cost;
  if (draft.stop_reason != null) out.stop_reason = draft.stop_reason;
  if (draft.first_token_ms != null) out.first_token_ms = draft.first_token_ms;
  if (draft.thinking != null) out.thinking = draft.thinking;
  if (draft.tool_calls) out.tool_calls = draft.tool_calls;
  if (draft.prompt) out.prompt = draft.prompt;
  out.attributes = spanAttributes(bag, scope, span, resource, clamped);
  out.events = span.events.filter((e) => !input.consumedEvents.has(e)).map((e) => canonicalEvent(e, start));
  out.source = { format: ctx.format, convention: detection.primary };
  return out;
}

function bounded(s: string, max: number): string {
  return s.length > max ? s.slice(0, max) : s;
}

/** Bounded strings are truncated rather than failing the span: the id-like value is still useful. */
function setBounded(
  out: CanonicalSpan,
  field: "session_id" | "user_id" | "environment" | "release" | "service_name" | "model" | "provider",
  value: string | null | undefined,
  max: number,
): void {
  if (value != null) out[field] = bounded(value, max);
}

function canonicalEvent(e: OtlpEvent, spanStart: bigint): NonNullable<CanonicalSpan["events"]>[number] {
  const time = e.timeUnixNano !== null && e.timeUnixNano <= MAX_NANOS ? e.timeUnixNano : spanStart;
  const event: NonNullable<CanonicalSpan["events"]>[number] = { name: e.name, time: fromUnixNanos(time) };
  if (Object.keys(e.attributes).length) event.attributes = e.attributes;
  return event;
}

function spanAttributes(
  bag: AttributeBag,
  scope: OtlpScope,
  span: OtlpSpan,
  resource: ResourceContext,
  clamped: boolean,
): Record<string, CanonicalAttributeValue> {
  const attributes = bag.leftover();
  if (scope.name) attributes["otel.scope.name"] = scope.name;
  if (scope.version) attributes["otel.scope.version"] = scope.version;
  if (span.kind > 0) attributes["otel.span_kind"] = OTEL_SPAN_KINDS[span.kind] ?? String(span.kind);
  if (clamped) attributes["tracerelay.end_time_clamped"] = true;
  for (const key in resource.attributes) attributes[key] ??= resource.attributes[key];
  return attributes;
}

// ---- batch-level fix-ups --------------------------------------------------------------------------------

/**
 * Vercel AI SDK v7 embeddings and rerank calls produce an outer and an inner span with the same name and
 * operation, both carrying usage. When both are in the batch, the outer one is a wrapper: it becomes a
 * `chain`, so trace totals (which sum model kinds) count the tokens once.
 */
function demoteWrapperModelSpans(spans: CanonicalSpan[]): void {
  const byId = new Map<string, CanonicalSpan>();
  for (const s of spans) if (s.source.convention === "vercel_ai") byId.set(s.span_id, s);
  if (byId.size === 0) return;
  for (const child of byId.values()) {
    const parent = child.parent_span_id ? byId.get(child.parent_span_id) : undefined;
    if (parent && parent.name === child.name && parent.kind === child.kind && (child.kind === "embedding" || child.kind === "rerank")) {
      parent.kind = "chain";
    }
  }
}

/**
 * One model call described twice: the Anthropic SDK traces itself by default, so under OpenInference or
 * OpenLLMetry its own `anthropic.messages.create` span sits INSIDE the instrumentation's llm span for
 * the same call (reference, "Traps"). An llm span whose parent in the batch is an llm span for the
 * same model is that inner duplicate: it becomes `custom` (trace totals sum model kinds, so its tokens
 * count once) and names the span it duplicates in `tracerelay.duplicate_of`.
 */
function markDuplicateModelCalls(spans: CanonicalSpan[]): void {
  const llmById = new Map<string, CanonicalSpan>();
  for (const s of spans) if (s.kind === "llm") llmById.set(s.span_id, s);
  // Parents are looked up among the ORIGINAL llm spans, so a chain of three descriptions keeps only
  // the outermost as the model call whatever order the spans arrive in.
  for (const child of llmById.values()) {
    const parent = child.parent_span_id ? llmById.get(child.parent_span_id) : undefined;
    if (!child.model || parent?.model !== child.model) continue;
    child.kind = "custom";
    child.attributes = { ...child.attributes, "tracerelay.duplicate_of": parent.span_id };
  }
}

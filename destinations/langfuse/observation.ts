// Canonical span → the Langfuse view of it (pure), shared by both modes: the batch mapper turns it into
// `*-create` events, the OTel mapper into `langfuse.*` attributes. This is the reverse of our inbound
// Langfuse normalizers (services/ingest/normalizers/langfuse-*.ts), so a span that came from Langfuse
// goes back with the same type, ids, trace fields and metadata.
//
//   type            kind: llm/rerank→generation, embedding, agent, tool, chain, retrieval→retriever,
//                   guardrail, event; custom→span, or the original `langfuse.observation.type`
//                   (span/evaluator) when the span came from Langfuse
//   level           level upper-cased; status error without a level → ERROR
//   model fields    usage/cost buckets, model parameters, prompt, completion start: details.ts
//   trace fields    root spans only: name (`langfuse.trace.name`, else the span name), session, user,
//                   tags, release, version, environment, input/output (`langfuse.trace.input|output`,
//                   else the span's), metadata (`langfuse.trace.metadata.*`), public
//   metadata        `langfuse.metadata.*` / `langfuse.observation.metadata.*` with the prefix removed,
//                   every other attribute under its own key, plus provider / service_name / stop_reason
import type { CanonicalSpan, SpanKind } from "../../lib/span/types.ts";
import { compact, completionStartTime, costDetails, type MapValue, modelParameters, nonEmpty, promptOf, stringAttribute, usageDetails } from "./details.ts";

export type ObservationType = "span" | "generation" | "event" | "agent" | "tool" | "chain" | "retriever" | "evaluator" | "embedding" | "guardrail";
export type LangfuseLevel = "DEBUG" | "DEFAULT" | "WARNING" | "ERROR";

const TYPE_BY_KIND: Record<SpanKind, ObservationType> = {
  llm: "generation",
  rerank: "generation", // Langfuse has no rerank type; a priced model call is a generation
  embedding: "embedding",
  agent: "agent",
  tool: "tool",
  chain: "chain",
  retrieval: "retriever",
  guardrail: "guardrail",
  event: "event",
  custom: "span",
};

const ALL_TYPES = new Set<string>(["span", "generation", "event", "agent", "tool", "chain", "retriever", "evaluator", "embedding", "guardrail"]);

/** Attributes this module turns into fields; they are not repeated in metadata. */
const MAPPED_ATTRIBUTES = new Set([
  "langfuse.trace.id",
  "langfuse.trace.name",
  "langfuse.trace.input",
  "langfuse.trace.output",
  "langfuse.trace.public",
  "langfuse.observation.id",
  "langfuse.observation.parent_id",
  "langfuse.observation.type",
  "langfuse.version",
  "langfuse.usage_details",
  "langfuse.cost_details",
  "tracerelay.completion_start_time",
]);
const TRACE_METADATA = "langfuse.trace.metadata.";
const OBSERVATION_METADATA = ["langfuse.metadata.", "langfuse.observation.metadata."];

export interface LangfuseTrace {
  id: string;
  timestamp: string;
  name: string;
  userId?: string;
  sessionId?: string;
  tags?: string[];
  input?: unknown;
  output?: unknown;
  metadata?: Record<string, unknown>;
  release?: string;
  version?: string;
  environment?: string;
  public?: boolean;
}

export interface LangfuseObservation {
  type: ObservationType;
  id: string;
  traceId: string;
  parentObservationId?: string;
  name: string;
  startTime: string;
  endTime?: string;
  level?: LangfuseLevel;
  statusMessage?: string;
  input?: unknown;
  output?: unknown;
  metadata?: Record<string, unknown>;
  version?: string;
  environment?: string;
  // generation-like types only (everything but span and event)
  model?: string;
  modelParameters?: Record<string, MapValue>;
  usageDetails?: Record<string, number>;
  costDetails?: Record<string, number>;
  completionStartTime?: string;
  promptName?: string;
  promptVersion?: number;
}

export interface LangfuseView {
  /** Root spans: the trace they stand for. */
  trace?: LangfuseTrace;
  /** Absent for a span that IS a Langfuse trace (it came from a trace-create): Langfuse has no observation for it. */
  observation?: LangfuseObservation;
}

export interface ViewOptions {
  /** Replaces the span's environment (config `environment`). */
  environment?: string;
  /** Also describe a Langfuse trace span as an observation (OTLP: Langfuse makes one of every span). */
  observationForTraceSpans?: boolean;
}

export const isRoot = (span: CanonicalSpan): boolean => !span.parent_span_id;

/** A span our inbound batch path made from a `trace-create`: it carries the trace id but no observation id. */
export function isLangfuseTraceSpan(span: CanonicalSpan): boolean {
  const a = span.attributes ?? {};
  return span.source.format === "langfuse" && isRoot(span) && a["langfuse.trace.id"] !== undefined && a["langfuse.observation.id"] === undefined;
}

/** Types whose body is Langfuse's CreateGenerationBody (model, usage, cost, prompt, completion start). */
export const isGenerationLike = (type: ObservationType): boolean => type !== "span" && type !== "event";

export function observationType(span: CanonicalSpan): ObservationType {
  const original = span.attributes?.["langfuse.observation.type"];
  // The original type only refines `custom` (span vs evaluator); tracerelay's own kind wins otherwise.
  if (span.kind === "custom" && typeof original === "string" && ALL_TYPES.has(original.toLowerCase())) return original.toLowerCase() as ObservationType;
  return TYPE_BY_KIND[span.kind];
}

export function langfuseView(span: CanonicalSpan, options: ViewOptions = {}): LangfuseView {
  const environment = options.environment ?? span.environment ?? undefined;
  const version = stringAttribute(span, "langfuse.version");
  const metadata = splitMetadata(span);
  const view: LangfuseView = {};
  if (isRoot(span)) view.trace = traceOf(span, metadata.trace, environment, version);
  if (options.observationForTraceSpans || !isLangfuseTraceSpan(span)) view.observation = observationOf(span, metadata.observation, environment, version);
  return view;
}

function traceOf(span: CanonicalSpan, metadata: Record<string, unknown> | undefined, environment: string | undefined, version: string | undefined): LangfuseTrace {
  const a = span.attributes ?? {};
  return compact({
    id: span.trace_id,
    timestamp: span.start_time,
    name: stringAttribute(span, "langfuse.trace.name") ?? span.name,
    userId: span.user_id ?? undefined,
    sessionId: span.session_id ?? undefined,
    tags: span.tags?.length ? span.tags : undefined,
    input: jsonAttribute(a["langfuse.trace.input"]) ?? span.input ?? undefined,
    output: jsonAttribute(a["langfuse.trace.output"]) ?? span.output ?? undefined,
    metadata,
    release: span.release ?? undefined,
    version,
    environment,
    public: typeof a["langfuse.trace.public"] === "boolean" ? a["langfuse.trace.public"] : undefined,
  });
}

function observationOf(span: CanonicalSpan, metadata: Record<string, unknown> | undefined, environment: string | undefined, version: string | undefined): LangfuseObservation {
  const type = observationType(span);
  const base: LangfuseObservation = {
    type,
    id: span.span_id,
    traceId: span.trace_id,
    parentObservationId: span.parent_span_id ?? undefined,
    name: span.name,
    startTime: span.start_time,
    // An event is a point in time: Langfuse's event body has no end.
    endTime: type === "event" ? undefined : (span.end_time ?? undefined),
    level: levelOf(span),
    statusMessage: span.status_message ?? undefined,
    input: span.input ?? undefined,
    output: span.output ?? undefined,
    metadata,
    version,
    environment,
  };
  if (!isGenerationLike(type)) return compact(base);
  const prompt = promptOf(span.prompt);
  return compact({
    ...base,
    model: span.model ?? undefined,
    modelParameters: modelParameters(span.model_parameters),
    usageDetails: usageDetails(span.usage),
    costDetails: costDetails(span.cost),
    completionStartTime: completionStartTime(span),
    promptName: prompt?.name,
    promptVersion: prompt?.version,
  });
}

export function levelOf(span: CanonicalSpan): LangfuseLevel | undefined {
  if (span.level && span.level !== "default") return span.level.toUpperCase() as LangfuseLevel;
  if (span.status === "error") return "ERROR";
  return span.level ? "DEFAULT" : undefined;
}

/**
 * Trace metadata (`langfuse.trace.metadata.*`), observation metadata (everything else not mapped) and,
 * apart, the part of it that was Langfuse metadata to begin with (`langfuse` — OTLP mode sends only
 * that one, since the other attributes travel under their own keys anyway).
 */
export function splitMetadata(span: CanonicalSpan): { trace?: Record<string, unknown>; observation?: Record<string, unknown>; langfuse?: Record<string, unknown> } {
  const trace: Record<string, unknown> = {};
  const observation: Record<string, unknown> = {};
  const langfuse: Record<string, unknown> = {};
  // A Langfuse trace span's `langfuse.metadata.*` was the trace's metadata.
  const traceSpan = isLangfuseTraceSpan(span);
  for (const [key, value] of Object.entries(span.attributes ?? {})) {
    if (MAPPED_ATTRIBUTES.has(key) || value === null) continue;
    const prefix = OBSERVATION_METADATA.find((p) => key.startsWith(p));
    if (key.startsWith(TRACE_METADATA)) trace[key.slice(TRACE_METADATA.length)] = value;
    else if (prefix && traceSpan) trace[key.slice(prefix.length)] = value;
    else if (prefix) observation[key.slice(prefix.length)] = langfuse[key.slice(prefix.length)] = value;
    else observation[key] = value;
  }
  if (span.provider) observation.provider = span.provider;
  if (span.service_name) observation.service_name = span.service_name;
  if (span.stop_reason) observation.stop_reason = span.stop_reason;
  return { trace: nonEmpty(trace), observation: nonEmpty(observation), langfuse: nonEmpty(langfuse) };
}

/** `langfuse.trace.input|output` hold JSON text (or a plain string). */
function jsonAttribute(value: unknown): unknown {
  if (typeof value !== "string") return value ?? undefined;
  try {
    return JSON.parse(value);
  } catch {
    return value;
  }
}

// LangSmith mapper (pure): one batch of canonical spans → the runs of one POST /runs/batch (NOTES.md
// §2.2), parents before children. Tree fields (ids, trace_id, parent_run_id, dotted_order) come from
// tree.ts; this file maps the rest:
//   run_type   from the kind (agent/chain/guardrail/event/custom → chain, retrieval/rerank → retriever),
//              or the span's `langsmith.span.kind` attribute when it names a LangSmith run type
//   inputs     chat messages → {messages:[…]} (OpenAI-style tool calls); an object as is; else {input}
//   outputs    the same with {output}; `thinking` → outputs.reasoning
//   extra      metadata: ls_provider, ls_model_name, ls_temperature/ls_max_tokens, usage_metadata
//              (inclusive counts + cache/reasoning details, reported costs), thread_id (session),
//              user_id, environment, revision_id (release), the span's attributes, and the original
//              W3C ids; invocation_params = model parameters
//   session_name  the span's `langsmith.trace.session_name` attribute, else the configured project
import type { CanonicalSpan } from "../../lib/span/types.ts";
import { toCanonicalTime } from "../../lib/span/time.ts";
import { MappingError } from "../_delivery/index.ts";
import { later, placeAll } from "./tree.ts";
import { usageMetadata } from "./usage.ts";

type Json = Record<string, unknown>;

/** A run as POST /runs/batch takes it (a RunCreate carrying its end, outputs and error at once). */
export interface LangSmithRun {
  id: string;
  trace_id: string;
  parent_run_id?: string;
  dotted_order: string;
  name: string;
  run_type: string;
  start_time: string;
  end_time?: string;
  inputs: Json;
  outputs?: Json;
  error?: string;
  extra: { metadata: Json; invocation_params?: Json };
  tags?: string[];
  events?: Json[];
  session_name: string;
}

export interface LangSmithRequest {
  runs: LangSmithRun[];
}

export const RUN_TYPES = ["llm", "chain", "tool", "retriever", "embedding", "prompt", "parser"] as const;

const RUN_TYPE_OF_KIND: Record<CanonicalSpan["kind"], string> = {
  agent: "chain",
  chain: "chain",
  llm: "llm",
  tool: "tool",
  retrieval: "retriever",
  embedding: "embedding",
  rerank: "retriever",
  guardrail: "chain",
  event: "chain",
  custom: "chain",
};

/** Span attributes that steer the mapping (NOTES.md §8 names) instead of becoming metadata. */
export const PROJECT_ATTRIBUTE = "langsmith.trace.session_name";
export const RUN_TYPE_ATTRIBUTE = "langsmith.span.kind";

function time(value: string, span: CanonicalSpan, field: string): string {
  const t = toCanonicalTime(value);
  if (t === null) throw new MappingError(`span ${span.span_id}: ${field} ${JSON.stringify(value)} is not a time`);
  return t;
}

const isRecord = (v: unknown): v is Json => typeof v === "object" && v !== null && !Array.isArray(v);
const isMessages = (v: unknown): v is Json[] => Array.isArray(v) && v.length > 0 && v.every((m) => isRecord(m) && typeof m.role === "string");

/** Canonical message → OpenAI chat shape, which LangSmith renders (tool call arguments as a JSON string). */
function message(m: Json): Json {
  if (!Array.isArray(m.tool_calls)) return m;
  const tool_calls = (m.tool_calls as Json[]).map((c) => ({
    ...(c.id ? { id: c.id } : {}),
    type: "function",
    function: { name: c.name, arguments: typeof c.arguments === "string" ? c.arguments : JSON.stringify(c.arguments ?? {}) },
  }));
  return { ...m, tool_calls };
}

function payload(value: unknown, key: "input" | "output"): Json | undefined {
  if (value === undefined || value === null) return undefined;
  if (isMessages(value)) return { messages: value.map(message) };
  if (isRecord(value)) return value;
  return { [key]: value };
}

function errorText(span: CanonicalSpan): string | undefined {
  if (span.status !== "error") return undefined;
  if (span.status_message) return span.status_message;
  const exception = span.events?.find((e) => e.name === "exception")?.attributes;
  const text = [exception?.["exception.type"], exception?.["exception.message"]].filter((x) => typeof x === "string").join(": ");
  const stack = exception?.["exception.stacktrace"];
  return [text || "error", typeof stack === "string" ? stack : ""].filter(Boolean).join("\n");
}

function metadata(span: CanonicalSpan): Json {
  const { [PROJECT_ATTRIBUTE]: _project, [RUN_TYPE_ATTRIBUTE]: _kind, ...attributes } = span.attributes ?? {};
  const params = span.model_parameters ?? {};
  const entries: Array<[string, unknown]> = [
    ["ls_provider", span.provider],
    ["ls_model_name", span.model],
    ["ls_temperature", params.temperature],
    ["ls_max_tokens", params.max_tokens ?? params.max_output_tokens],
    ["usage_metadata", usageMetadata(span)],
    // LangSmith groups traces into threads by a `thread_id` / `session_id` / `conversation_id` metadata key.
    ["thread_id", span.session_id],
    ["user_id", span.user_id],
    ["environment", span.environment],
    ["revision_id", span.release],
    ["service_name", span.service_name],
    ["prompt_name", span.prompt?.name],
    ["prompt_version", span.prompt?.version],
    ["stop_reason", span.stop_reason],
    ["level", span.level],
    ["tracerelay_kind", span.kind],
    ["tracerelay_trace_id", span.trace_id],
    ["tracerelay_span_id", span.span_id],
  ];
  const meta: Json = { ...attributes };
  for (const [k, v] of entries) if (v !== undefined && v !== null) meta[k] = v;
  return meta;
}

function runType(span: CanonicalSpan): string {
  const wanted = span.attributes?.[RUN_TYPE_ATTRIBUTE];
  return typeof wanted === "string" && (RUN_TYPES as readonly string[]).includes(wanted) ? wanted : RUN_TYPE_OF_KIND[span.kind];
}

export function mapLangSmith(spans: CanonicalSpan[], project: string): LangSmithRequest {
  const placed = placeAll(spans, (s) => time(s.start_time, s, "start_time"));
  const runs: LangSmithRun[] = [];
  // Batch order, except that an in-batch parent always comes before its children (placeAll's order).
  for (const at of placed.values()) {
    const span = at.span;
    const end = span.end_time ? time(span.end_time, span, "end_time") : undefined;
    let outputs = payload(span.output, "output");
    if (span.thinking) outputs = { ...outputs, reasoning: span.thinking };
    const override = span.attributes?.[PROJECT_ATTRIBUTE];
    const error = errorText(span);
    const run: LangSmithRun = {
      id: at.id,
      trace_id: at.traceId,
      ...(at.parentId ? { parent_run_id: at.parentId } : {}),
      dotted_order: at.dottedOrder,
      name: span.name,
      run_type: runType(span),
      start_time: at.startTime,
      // An end before the (clamped) start would be rejected; a span ends no earlier than it starts.
      ...(end ? { end_time: later(end, at.startTime) } : {}),
      inputs: payload(span.input, "input") ?? {},
      ...(outputs ? { outputs } : {}),
      ...(error !== undefined ? { error } : {}),
      extra: { metadata: metadata(span), ...(span.model_parameters ? { invocation_params: span.model_parameters } : {}) },
      ...(span.tags?.length ? { tags: span.tags } : {}),
      ...(span.events?.length ? { events: span.events.map((e) => ({ name: e.name, time: e.time, kwargs: e.attributes ?? {} })) } : {}),
      session_name: typeof override === "string" && override ? override : project,
    };
    runs.push(run);
  }
  try {
    JSON.stringify(runs);
  } catch (err) {
    throw new MappingError(`span cannot be encoded as JSON: ${(err as Error).message}`, { cause: err });
  }
  return { runs };
}

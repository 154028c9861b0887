// Canonical span fields → OTel GenAI semantic-convention span attributes, CURRENT names (registry
// v1.41.1; reference /work/shared/reference/llm-span-conventions.md §1–§12). Read back by tracerelay's
// own ingest (services/ingest/normalizers/gen-ai.ts), so a relayed span round-trips.
//
//   kind            gen_ai.operation.name (table below; custom/event have no operation)
//   model/provider  gen_ai.request.model + gen_ai.response.model, gen_ai.provider.name
//   usage           gen_ai.usage.input_tokens / output_tokens (inclusive, as canonical),
//                   cache_read.input_tokens, cache_creation.input_tokens, reasoning.output_tokens
//   parameters      gen_ai.request.<name> (choice_count → choice.count), output_type → gen_ai.output.type
//   messages        gen_ai.system_instructions / gen_ai.input.messages / gen_ai.output.messages (JSON)
//   tool spans      gen_ai.tool.name, gen_ai.tool.call.id, gen_ai.tool.call.arguments / result
//   retrieval       gen_ai.retrieval.query.text, gen_ai.retrieval.documents
//   other           gen_ai.response.finish_reasons, gen_ai.response.time_to_first_chunk (s),
//                   gen_ai.conversation.id, user.id, gen_ai.prompt.name, error.type
import type { CanonicalSpan, SpanKind } from "../span/types.ts";
import { otelInput, otelOutput } from "./messages.ts";

const OPERATIONS: Partial<Record<SpanKind, string>> = {
  llm: "chat",
  embedding: "embeddings",
  agent: "invoke_agent",
  tool: "execute_tool",
  retrieval: "retrieval",
  chain: "invoke_workflow",
  guardrail: "apply_guardrail", // genai-repo name; not in v1.41.1
  rerank: "rerank", // no well-known value; the custom one tracerelay and Vercel v7 use
};

/** Parameters whose convention name is not simply gen_ai.request.<name>. */
const PARAM_KEYS: Record<string, string> = {
  choice_count: "gen_ai.request.choice.count",
  output_type: "gen_ai.output.type",
};

const json = (v: unknown): string | undefined => (v === undefined || v === null ? undefined : typeof v === "string" ? v : JSON.stringify(v));

export function operationName(kind: SpanKind): string | undefined {
  return OPERATIONS[kind];
}

/** The GenAI attributes of one span; undefined values are to be omitted by the caller. */
export function genAiAttributes(span: CanonicalSpan): Record<string, unknown> {
  const a: Record<string, unknown> = {
    "gen_ai.operation.name": operationName(span.kind),
    "gen_ai.provider.name": span.provider ?? undefined,
    "gen_ai.request.model": span.model ?? undefined,
    "gen_ai.response.model": span.model ?? undefined,
    "gen_ai.conversation.id": span.session_id ?? undefined,
    "user.id": span.user_id ?? undefined,
    "gen_ai.prompt.name": span.prompt?.name,
    "gen_ai.response.finish_reasons": span.stop_reason ? [span.stop_reason] : undefined,
    "gen_ai.response.time_to_first_chunk": span.first_token_ms == null ? undefined : span.first_token_ms / 1000,
  };
  Object.assign(a, usageAttributes(span.usage), parameterAttributes(span.model_parameters));
  if (span.kind === "tool") Object.assign(a, toolAttributes(span));
  else if (span.kind === "retrieval") Object.assign(a, retrievalAttributes(span));
  else Object.assign(a, messageAttributes(span));
  if (span.status === "error") a["error.type"] = typeof span.attributes?.["error.type"] === "string" ? span.attributes["error.type"] : "_OTHER";
  return a;
}

function usageAttributes(u: CanonicalSpan["usage"]): Record<string, unknown> {
  if (!u) return {};
  return {
    "gen_ai.usage.input_tokens": u.input_tokens,
    "gen_ai.usage.output_tokens": u.output_tokens,
    "gen_ai.usage.cache_read.input_tokens": u.cache_read_tokens,
    "gen_ai.usage.cache_creation.input_tokens": u.cache_write_tokens,
    "gen_ai.usage.reasoning.output_tokens": u.reasoning_tokens,
  };
}

function parameterAttributes(params: CanonicalSpan["model_parameters"]): Record<string, unknown> {
  const a: Record<string, unknown> = {};
  for (const [name, value] of Object.entries(params ?? {})) {
    // Attribute values are primitives or arrays of them; anything structured travels as JSON.
    const flat = typeof value === "object" && value !== null && !isPrimitiveArray(value) ? JSON.stringify(value) : value;
    a[PARAM_KEYS[name] ?? `gen_ai.request.${name}`] = flat;
  }
  return a;
}

function isPrimitiveArray(v: object): boolean {
  return Array.isArray(v) && v.every((x) => typeof x === "string" || typeof x === "number" || typeof x === "boolean");
}

function messageAttributes(span: CanonicalSpan): Record<string, unknown> {
  const input = otelInput(span.input);
  return {
    "gen_ai.system_instructions": json(input.systemInstructions),
    "gen_ai.input.messages": json(input.messages),
    "gen_ai.output.messages": json(otelOutput(span)),
  };
}

function toolAttributes(span: CanonicalSpan): Record<string, unknown> {
  const call = span.tool_calls?.[0];
  const own = span.attributes?.["gen_ai.tool.name"];
  return {
    "gen_ai.tool.name": call?.name ?? (typeof own === "string" ? own : span.name.replace(/^execute_tool /, "")),
    "gen_ai.tool.call.id": call?.id ?? undefined,
    "gen_ai.tool.call.arguments": json(span.input),
    "gen_ai.tool.call.result": json(span.output),
  };
}

function retrievalAttributes(span: CanonicalSpan): Record<string, unknown> {
  return {
    "gen_ai.retrieval.query.text": typeof span.input === "string" ? span.input : json(span.input),
    "gen_ai.retrieval.documents": json(span.output),
  };
}

// OpenInference (Arize; spec/semantic_conventions.md, @arizeai/openinference-semantic-conventions 2.12)
// → canonical span.
//
// Map:
//   kind            openinference.span.kind (UPPERCASE, required on every span; table below)
//   model           llm.response.model_name → llm.model_name → llm.request.model_name;
//                   embedding.model_name; reranker.model_name
//   provider        llm.provider (the API host) → llm.system (the model family)
//   model_parameters llm.invocation_parameters / embedding.invocation_parameters (JSON, provider's own keys;
//                   without model, messages and tool definitions; OpenAI's `user` becomes user_id)
//   usage           llm.token_count.{prompt,completion,total}, .prompt_details.{cache_read,cache_write},
//                   .completion_details.reasoning — inclusive (the Anthropic instrumentor adds cache itself)
//   cost            llm.cost.{prompt,completion,total} → reported
//   input/output    llm.input_messages.{i}.message.* / llm.output_messages.{i}.message.* (flattened);
//                   legacy llm.prompts.{i}.prompt.text / llm.choices.{i}.completion.text; any kind:
//                   input.value / output.value (+ *.mime_type); retrieval.documents.{i}.document.*;
//                   embedding.embeddings.{i}.embedding.{text,vector}; reranker.query / *_documents
//   tool_calls      …message.tool_calls.{k}.tool_call.{id,function.name,function.arguments}, and
//                   …message.contents.{j} items of type tool_use
//   thinking        …message.contents.{j}.message_content.type = reasoning (.text)
//   stop_reason     llm.finish_reason;  session/user/tags: session.id, user.id, tag.tags (common.ts)
//   prompt          prompt.id (name) + llm.prompt_template.version
//   first_token_ms  span event "First Token Stream Event" (OpenAI / LlamaIndex instrumentors)
import { reportedCost } from "../../../lib/pricing/reported.ts";
import type { SpanKind } from "../../../lib/span/types.ts";
import { type AttributeBag, asString, isRecord, parseJsonValue } from "./attributes.ts";
import { type ConventionInput, fill, fillModel, fillParams, findEvent, msSinceStart, promptRef, type SpanDraft } from "./draft.ts";
import { fillOutputMessages } from "./gen-ai.ts";
import { type Flat, type Message, type Part, simplify, stripPrefix, subIndexed, takeIndexed, toolCall } from "./messages.ts";
import { normalizeProvider } from "./providers.ts";
import { normalizeStopReason } from "./stop-reason.ts";
import { canonicalUsage, takeUsage } from "./usage.ts";

const SPAN_KINDS: Record<string, SpanKind> = {
  LLM: "llm",
  CHAIN: "chain",
  TOOL: "tool",
  RETRIEVER: "retrieval",
  EMBEDDING: "embedding",
  RERANKER: "rerank",
  AGENT: "agent",
  GUARDRAIL: "guardrail",
  EVALUATOR: "custom",
  PROMPT: "custom",
  UNKNOWN: "custom",
};

export function normalizeOpenInference(input: ConventionInput): void {
  const { bag, draft: d } = input;
  const kind = SPAN_KINDS[(bag.peekString("openinference.span.kind") ?? "").toUpperCase()];
  if (kind) {
    bag.consume("openinference.span.kind");
    fill(d, "kind", kind);
  }
  fillModel(d, bag, [
    "llm.response.model_name",
    "llm.model_name",
    "llm.request.model_name",
    "embedding.model_name",
    "reranker.model_name",
  ]);
  fillProvider(d, bag);
  const params = bag.takeJson("llm.invocation_parameters", "embedding.invocation_parameters");
  if (isRecord(params)) {
    // model and messages are fields of their own; tool definitions are kept once, as llm.tools.*;
    // OpenAI's `user` request parameter names the end user.
    const { model: _m, messages: _msgs, tools: _t, functions: _f, user, ...rest } = params;
    fillParams(d, rest);
    fill(d, "user_id", asString(user));
  }
  const topK = bag.take("reranker.top_k");
  if (topK !== undefined) fillParams(d, { top_k: topK });

  const usage = takeUsage(bag, {
    input: ["llm.token_count.prompt"],
    output: ["llm.token_count.completion"],
    total: ["llm.token_count.total"],
    cacheRead: ["llm.token_count.prompt_details.cache_read"],
    cacheWrite: ["llm.token_count.prompt_details.cache_write"],
    reasoning: ["llm.token_count.completion_details.reasoning"],
  });
  fill(d, "usage", canonicalUsage(usage, { cache: "inclusive", reasoning: "inclusive" }));
  fill(
    d,
    "cost",
    reportedCost({
      input: bag.takeNumber("llm.cost.prompt"),
      output: bag.takeNumber("llm.cost.completion"),
      total: bag.takeNumber("llm.cost.total"),
    }),
  );
  fill(d, "stop_reason", normalizeStopReason(bag.takeString("llm.finish_reason")));

  fillMessages(d, bag);
  fillDocuments(d, bag);
  fillValues(d, bag);
  fillPrompt(d, bag);

  const first = findEvent(input, ["First Token Stream Event"]);
  if (first) {
    const ms = msSinceStart(input.startNanos, first.timeUnixNano);
    if (ms !== undefined && d.first_token_ms == null) {
      d.first_token_ms = ms;
      input.consumedEvents.add(first);
    }
  }
}

function fillProvider(d: SpanDraft, bag: AttributeBag): void {
  const provider = normalizeProvider(bag.peekString("llm.provider"));
  const system = normalizeProvider(bag.peekString("llm.system"));
  fill(d, "provider", provider ?? system);
  bag.consume("llm.provider");
  // The model family differs from the host for e.g. Claude on Bedrock: then it says something new.
  if (system === undefined || system === d.provider) bag.consume("llm.system");
}

// ---- messages ---------------------------------------------------------------------------------------

function fillMessages(d: SpanDraft, bag: AttributeBag): void {
  const inMessages = takeIndexed(bag, "llm.input_messages.").flatMap(fromOpenInferenceMessage);
  const outMessages = takeIndexed(bag, "llm.output_messages.").flatMap(fromOpenInferenceMessage);
  if (inMessages.length) fill(d, "input", simplify(inMessages));
  if (outMessages.length && d.output === undefined) fillOutputMessages(d, outMessages);

  // Legacy completions API: prompt and choice texts.
  const prompts = takeIndexed(bag, "llm.prompts.").map((g) => asString(g.get("prompt.text")) ?? "");
  if (prompts.length) fill(d, "input", prompts.length === 1 ? prompts[0] : prompts);
  const choices = takeIndexed(bag, "llm.choices.").map((g) => asString(g.get("completion.text")) ?? "");
  if (choices.length) fill(d, "output", choices.length === 1 ? choices[0] : choices);
}

/** One flattened `llm.*_messages.{i}` record → canonical message(s). */
function fromOpenInferenceMessage(rec: Flat): Message[] {
  const role = asString(rec.get("message.role")) ?? "user";
  const parts: Part[] = [];
  const calls = subIndexed(rec, "message.tool_calls.")
    .map((c) => toolCall(c.get("tool_call.id"), c.get("tool_call.function.name"), c.get("tool_call.function.arguments")))
    .filter((c) => c !== undefined);
  const content = asString(rec.get("message.content"));
  if (content !== undefined) parts.push({ type: "text", text: content });
  for (const c of subIndexed(rec, "message.contents.")) {
    const type = asString(c.get("message_content.type"));
    if (type === "text") parts.push({ type: "text", text: asString(c.get("message_content.text")) ?? "" });
    else if (type === "reasoning") parts.push({ type: "reasoning", text: asString(c.get("message_content.text")) ?? "" });
    else if (type === "image") parts.push({ type: "image", url: c.get("message_content.image.image.url") });
    else if (type === "tool_use") {
      const call = toolCall(c.get("tool_call.id"), c.get("tool_call.function.name"), c.get("tool_call.function.arguments"));
      if (call) calls.push(call);
    } else parts.push({ type: type ?? "unknown", ...stripPrefix(c, "message_content.") });
  }
  // Legacy OpenAI function calling.
  const fnName = rec.get("message.function_call_name");
  if (fnName !== undefined) {
    const call = toolCall(undefined, fnName, rec.get("message.function_call_arguments_json"));
    if (call) calls.push(call);
  }
  const m: Message = { role };
  if (parts.length) m.content = parts;
  const name = asString(rec.get("message.name"));
  if (name) m.name = name;
  if (calls.length) m.tool_calls = calls;
  const toolCallId = asString(rec.get("message.tool_call_id"));
  if (toolCallId) m.tool_call_id = toolCallId;
  return [m];
}

// ---- documents, embeddings, raw values --------------------------------------------------------------

function document(rec: Flat): Record<string, unknown> {
  const doc: Record<string, unknown> = {};
  for (const [key, value] of rec) {
    if (!key.startsWith("document.")) continue;
    const field = key.slice("document.".length);
    doc[field] = field === "metadata" ? parseJsonValue(value) : value;
  }
  return doc;
}

function fillDocuments(d: SpanDraft, bag: AttributeBag): void {
  const retrieved = takeIndexed(bag, "retrieval.documents.").map(document);
  if (retrieved.length) fill(d, "output", retrieved);

  const query = bag.takeString("reranker.query");
  const given = takeIndexed(bag, "reranker.input_documents.").map(document);
  if (query !== undefined || given.length) fill(d, "input", { query, documents: given });
  const ranked = takeIndexed(bag, "reranker.output_documents.").map(document);
  if (ranked.length) fill(d, "output", ranked);

  const embeddings = takeIndexed(bag, "embedding.embeddings.");
  const texts = embeddings.map((e) => e.get("embedding.text")).filter((t) => t !== undefined);
  if (texts.length) fill(d, "input", texts.length === 1 ? texts[0] : texts);
  const vectors = embeddings.map((e) => e.get("embedding.vector")).filter((v) => v !== undefined);
  if (vectors.length) fill(d, "output", vectors);
}

/** `input.value` / `output.value`: the raw payload of any span kind, parsed when its mime type is JSON. */
function fillValues(d: SpanDraft, bag: AttributeBag): void {
  for (const side of ["input", "output"] as const) {
    const value = bag.take(`${side}.value`);
    const mime = bag.takeString(`${side}.mime_type`);
    if (value === undefined || value === null) continue;
    fill(d, side, mime === "application/json" ? parseJsonValue(value) : value);
  }
}

function fillPrompt(d: SpanDraft, bag: AttributeBag): void {
  const name = bag.peekString("prompt.id");
  if (name === undefined || d.prompt != null) return;
  bag.consume("prompt.id");
  d.prompt = promptRef(name, bag.take("llm.prompt_template.version"));
}

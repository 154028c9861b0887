// OTel GenAI semantic conventions → canonical span: the current registry (v1.41.1, plus renames
// already made in the genai repo) AND the deprecated names of v1.26–v1.40. Also the base layer for
// OpenLLMetry "now" and Vercel AI SDK v7, which emit these keys (they run first and this fills the rest).
//
// Map (reference §1–§12):
//   kind            gen_ai.operation.name (table below); pre-1.27: gen_ai.system + gen_ai.request.model → llm
//   model           gen_ai.response.model → gen_ai.request.model
//   provider        gen_ai.provider.name → gen_ai.system (≤ v1.36)
//   model_parameters every gen_ai.request.* but model (prefix stripped, dots → "_"), gen_ai.openai.request.*
//                   (deprecated), gen_ai.output.type → output_type
//   usage           gen_ai.usage.{input,output}_tokens | {prompt,completion}_tokens (≤ v1.26),
//                   cache_read.input_tokens, cache_creation.input_tokens | cache_write.input_tokens (genai repo),
//                   reasoning.output_tokens; inclusive semantics (cache ⊂ input, reasoning ⊂ output)
//   input/output    gen_ai.input.messages + gen_ai.system_instructions / gen_ai.output.messages (v1.37+);
//                   event gen_ai.client.inference.operation.details (same keys); events gen_ai.{system,user,
//                   assistant,tool}.message + gen_ai.choice (v1.28–1.36); attribute or event gen_ai.prompt /
//                   gen_ai.completion (v1.26–1.27); tools: gen_ai.tool.call.arguments/result; retrieval:
//                   gen_ai.retrieval.query.text / gen_ai.retrieval.documents
//   stop_reason     gen_ai.response.finish_reasons → output message finish_reason → gen_ai.choice finish_reason
//   first_token_ms  gen_ai.response.time_to_first_chunk (SECONDS)
//   session_id      gen_ai.conversation.id;  prompt: gen_ai.prompt.name (no version attribute exists)
//   cost            gen_ai.usage.cost (non-standard, read by Langfuse) → reported total
import { reportedCost } from "../../../lib/pricing/reported.ts";
import type { SpanKind } from "../../../lib/span/types.ts";
import type { AttrValue, OtlpEvent } from "../otlp/types.ts";
import { type AttributeBag, asString, isRecord, parseJsonValue } from "./attributes.ts";
import { type ConventionInput, fill, fillModel, fillParams, type SpanDraft } from "./draft.ts";
import {
  extractOutput,
  fromChatMessage,
  fromSystemInstructions,
  type Message,
  parseMessageList,
  simplify,
} from "./messages.ts";
import { normalizeProvider } from "./providers.ts";
import { normalizeStopReason } from "./stop-reason.ts";
import { canonicalUsage, takeUsage, type UsageKeys } from "./usage.ts";

const OPERATION_KINDS: Record<string, SpanKind> = {
  chat: "llm",
  text_completion: "llm",
  generate_content: "llm",
  completion: "llm",
  generate: "llm",
  embeddings: "embedding",
  invoke_agent: "agent",
  create_agent: "agent",
  execute_tool: "tool",
  retrieval: "retrieval",
  invoke_workflow: "chain",
  apply_guardrail: "guardrail",
  rerank: "rerank",
};

export const GEN_AI_USAGE_KEYS: UsageKeys = {
  input: ["gen_ai.usage.input_tokens", "gen_ai.usage.prompt_tokens"],
  output: ["gen_ai.usage.output_tokens", "gen_ai.usage.completion_tokens"],
  total: ["gen_ai.usage.total_tokens"],
  cacheRead: ["gen_ai.usage.cache_read.input_tokens"],
  cacheWrite: ["gen_ai.usage.cache_creation.input_tokens", "gen_ai.usage.cache_write.input_tokens"],
  reasoning: ["gen_ai.usage.reasoning.output_tokens"],
};

export const GEN_AI_MODEL_KEYS = ["gen_ai.response.model", "gen_ai.request.model"] as const;

const INPUT_EVENTS = ["gen_ai.system.message", "gen_ai.user.message", "gen_ai.assistant.message", "gen_ai.tool.message"];

export function normalizeGenAi(input: ConventionInput): void {
  const { bag, draft: d } = input;
  fill(d, "kind", genAiKind(bag));
  fillModel(d, bag, GEN_AI_MODEL_KEYS);
  fill(d, "provider", normalizeProvider(bag.takeString("gen_ai.provider.name", "gen_ai.system")));
  fillParams(d, takeRequestParams(bag));
  fill(d, "usage", canonicalUsage(takeUsage(bag, GEN_AI_USAGE_KEYS)));
  fillStopReason(d, bag);
  fillMessages(input);
  fillToolAndRetrievalIo(d, bag);
  const ttft = bag.takeNumber("gen_ai.response.time_to_first_chunk");
  if (ttft !== undefined && ttft >= 0) fill(d, "first_token_ms", ttft * 1000);
  fill(d, "session_id", bag.takeString("gen_ai.conversation.id"));
  const promptName = bag.takeString("gen_ai.prompt.name");
  if (promptName) fill(d, "prompt", { name: promptName });
  const cost = bag.takeNumber("gen_ai.usage.cost");
  if (cost !== undefined) fill(d, "cost", reportedCost({ total: cost }));
}

function genAiKind(bag: AttributeBag): SpanKind | undefined {
  const op = bag.peekString("gen_ai.operation.name");
  if (op !== undefined) {
    const kind = OPERATION_KINDS[op];
    // An operation this table does not know (genai-repo `plan`, custom ops) stays visible in attributes.
    if (kind) bag.consume("gen_ai.operation.name");
    return kind;
  }
  // Before v1.27 there was no operation name: an LLM span is recognisable only by system + model.
  if (bag.has("gen_ai.request.model") && (bag.has("gen_ai.system") || bag.has("gen_ai.provider.name"))) return "llm";
  if (bag.has("gen_ai.tool.name") || bag.has("gen_ai.tool.call.id")) return "tool";
  return undefined;
}

/** Every request parameter, named without its prefix: gen_ai.request.top_k → top_k, choice.count → choice_count. */
export function takeRequestParams(bag: AttributeBag): Record<string, unknown> | undefined {
  let params: Record<string, unknown> | undefined;
  const put = (name: string, value: AttrValue | undefined) => {
    if (value === undefined || value === null) return;
    params ??= {};
    params[name.replaceAll(".", "_")] ??= value;
  };
  for (const prefix of ["gen_ai.request.", "gen_ai.openai.request."]) {
    for (const key of bag.keysWithPrefix(prefix)) {
      if (key === "gen_ai.request.model") continue; // the model is a field of its own (fillModel)
      put(key.slice(prefix.length), bag.take(key));
    }
  }
  put("output_type", bag.take("gen_ai.output.type"));
  return params;
}

function fillStopReason(d: SpanDraft, bag: AttributeBag): void {
  const raw = bag.peek("gen_ai.response.finish_reasons");
  if (raw === undefined) return;
  fill(d, "stop_reason", normalizeStopReason(raw));
  // One reason per choice: when choices ended differently the full list stays visible in attributes.
  const distinct = new Set(Array.isArray(raw) ? raw : [raw]);
  if (distinct.size <= 1) bag.consume("gen_ai.response.finish_reasons");
}

// ---- messages ---------------------------------------------------------------------------------------

function fillMessages(input: ConventionInput): void {
  const { bag, draft: d } = input;
  const details = takeEvent(input, "gen_ai.client.inference.operation.details");
  const system = parseJsonValue(bag.take("gen_ai.system_instructions") ?? details?.attributes["gen_ai.system_instructions"]);
  const inRaw = parseJsonValue(bag.take("gen_ai.input.messages") ?? details?.attributes["gen_ai.input.messages"]);
  const outRaw = parseJsonValue(bag.take("gen_ai.output.messages") ?? details?.attributes["gen_ai.output.messages"]);

  // v1.37+: structured messages (with the system prompt given apart from the history).
  let inMessages = parseMessageList(inRaw);
  const systemMessage = fromSystemInstructions(system);
  if (systemMessage) inMessages = [systemMessage, ...(inMessages ?? [])];
  let outMessages = parseMessageList(outRaw);
  if (outMessages && Array.isArray(outRaw)) fill(d, "stop_reason", normalizeStopReason(firstFinishReason(outRaw)));

  // v1.28–v1.36: one span event per message, choices as gen_ai.choice events.
  const events = takeMessageEvents(input);
  inMessages ??= events.input;
  outMessages ??= events.output;
  fill(d, "stop_reason", events.finishReason);

  // v1.26–v1.27: one string attribute (or event) each; a JSON list of {role, content} when parsable.
  const legacyIn = legacyContent(input, "gen_ai.prompt", "gen_ai.content.prompt");
  const legacyOut = legacyContent(input, "gen_ai.completion", "gen_ai.content.completion");

  fill(d, "input", inMessages ? simplify(inMessages) : (legacyIn ?? nonMessage(inRaw)));
  if (d.output === undefined) {
    if (outMessages) fillOutputMessages(d, outMessages);
    else fill(d, "output", legacyOut ?? nonMessage(outRaw));
  }
}

/** Output messages → output, thinking (reasoning parts) and tool_calls; first value wins per field. */
export function fillOutputMessages(d: SpanDraft, messages: Message[]): void {
  const { messages: out, thinking, toolCalls } = extractOutput(messages);
  fill(d, "output", out);
  fill(d, "thinking", thinking);
  if (toolCalls.length) fill(d, "tool_calls", toolCalls);
}

function firstFinishReason(raw: unknown[]): unknown {
  for (const m of raw) if (isRecord(m) && m.finish_reason) return m.finish_reason;
  return undefined;
}

/** A value that is present but not a message list is kept as the JSON the source sent. */
function nonMessage(raw: unknown): unknown {
  return raw === undefined || raw === null || raw === "" ? undefined : raw;
}

function takeEvent(input: ConventionInput, name: string): OtlpEvent | undefined {
  for (const e of input.span.events) {
    if (e.name === name && !input.consumedEvents.has(e)) {
      input.consumedEvents.add(e);
      return e;
    }
  }
  return undefined;
}

interface EventMessages {
  input?: Message[];
  output?: Message[];
  finishReason?: string;
}

/**
 * v1.28 message events. The spec puts the message in the event BODY (`role`, `content`, `tool_calls`,
 * `id`; choices: `index`, `finish_reason`, `message`); as span events SDKs carry it either as plain
 * attributes with those names, as a `body` attribute, or as JSON in `gen_ai.event.content`.
 */
function takeMessageEvents(input: ConventionInput): EventMessages {
  const result: EventMessages = {};
  for (const e of input.span.events) {
    const isInput = INPUT_EVENTS.includes(e.name);
    if ((!isInput && e.name !== "gen_ai.choice") || input.consumedEvents.has(e)) continue;
    input.consumedEvents.add(e);
    const body = eventBody(e);
    if (isInput) {
      const role = asString(body.role) ?? e.name.slice("gen_ai.".length, -".message".length);
      result.input ??= [];
      result.input.push(...fromChatMessage({ ...body, role }));
    } else {
      const msg = isRecord(body.message) ? body.message : body;
      const toolCalls = msg.tool_calls ?? body.tool_calls;
      result.output ??= [];
      result.output.push(
        ...fromChatMessage({ ...msg, role: asString(msg.role) ?? "assistant", tool_calls: parseJsonValue(toolCalls) }),
      );
      result.finishReason ??= normalizeStopReason(body.finish_reason);
    }
  }
  return result;
}

function eventBody(e: OtlpEvent): Record<string, unknown> {
  const a = e.attributes;
  const wrapped = parseJsonValue(a.body ?? a["gen_ai.event.content"]);
  const body: Record<string, unknown> = isRecord(wrapped) ? { ...wrapped } : { ...a };
  // Structured fields often arrive JSON-encoded because span-event attributes cannot nest.
  for (const key of ["content", "tool_calls", "message"]) {
    const v = body[key];
    if (typeof v === "string" && (key !== "content" || /^\s*[[{]/.test(v))) body[key] = parseJsonValue(v);
  }
  return body;
}

function legacyContent(input: ConventionInput, attribute: string, eventName: string): unknown {
  // Exactly `gen_ai.prompt`: its `gen_ai.prompt.name` / `gen_ai.prompt.{i}.*` neighbours are other things.
  let raw: unknown = input.bag.take(attribute);
  const event = takeEvent(input, eventName);
  if (raw === undefined && event) raw = event.attributes[attribute];
  if (raw === undefined || raw === null || raw === "") return undefined;
  const parsed = parseJsonValue(raw);
  const messages = parseMessageList(parsed);
  return messages ? simplify(messages) : parsed;
}

// ---- tool and retrieval spans -----------------------------------------------------------------------

function fillToolAndRetrievalIo(d: SpanDraft, bag: AttributeBag): void {
  const args = bag.take("gen_ai.tool.call.arguments");
  if (args !== undefined) fill(d, "input", parseJsonValue(args));
  const result = bag.take("gen_ai.tool.call.result");
  if (result !== undefined) fill(d, "output", parseJsonValue(result));
  fill(d, "input", bag.takeString("gen_ai.retrieval.query.text"));
  const docs = bag.take("gen_ai.retrieval.documents");
  if (docs !== undefined) fill(d, "output", parseJsonValue(docs));
}

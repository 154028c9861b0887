// Vercel AI SDK → canonical span, both telemetry generations:
//
// LEGACY (`ai.*` keys; ai v3–v6 built-in telemetry, and `LegacyOpenTelemetry` of @ai-sdk/otel in ai v7).
// One OUTER span per call (ai.generateText, ai.streamText, ai.generateObject, ai.streamObject, ai.embed,
// ai.embedMany, ai.rerank) wraps one INNER provider-call span per step (….doGenerate, ….doStream,
// ….doEmbed, ….doRerank) and ai.toolCall spans. The outer span's usage is the SUM over its steps, so the
// outer span is a `chain` and only the inner one is the model call (`llm` / `embedding` / `rerank`):
// trace totals that sum model kinds count every token once.
//   kind            ai.operationId (table below);  name: ai.toolCall.name for tools, else operation.name
//                   ("ai.generateText my-function", the SDK's own display name)
//   model           ai.response.model → gen_ai.response.model → ai.model.id (requested)
//   provider        ai.model.provider (SDK provider id, e.g. openai.chat → openai)
//   model_parameters ai.settings.* (camelCase → snake_case; maxOutputTokens / maxTokens → max_tokens),
//                   except ai.settings.context.* (runtime context, not parameters)
//   usage           ai.usage.{inputTokens|promptTokens, outputTokens|completionTokens, totalTokens,
//                   reasoningTokens, cachedInputTokens, inputTokenDetails.*, outputTokenDetails.*, tokens}
//                   + inner gen_ai.usage.*; cache counts fall back to ai.response.providerMetadata
//   input           ai.prompt.messages (inner) | ai.prompt {system, prompt, messages} (outer) |
//                   ai.toolCall.args | ai.value / ai.values (embeddings)
//   output          ai.response.text + ai.response.toolCalls + ai.response.reasoning → one assistant
//                   message; ai.response.object (JSON); ai.toolCall.result; ai.embedding(s);
//                   ai.result.* (ai < 4.0)
//   stop_reason     ai.response.finishReason (kebab-case: tool-calls → tool_call)
//   first_token_ms  ai.response.msToFirstChunk | ai.stream.msToFirstChunk (MILLISECONDS), event ai.stream.firstChunk
//   session/user/tags  ai.telemetry.metadata.{sessionId,userId,tags}, ai.settings.context.{sessionId,userId,tags}
//   prompt          ai.telemetry.metadata.langfusePrompt (JSON {name, version}, the Langfuse convention)
//
// V7 OTEL (`OpenTelemetry` integration of @ai-sdk/otel, tracer "gen_ai"): `gen_ai.*` keys, handled by
// gen-ai.ts after this module. Added here: the kinds of its span tree (invoke_agent root → agent,
// `step N` = agent_step → chain, chat → llm, execute_tool → tool), first_token_ms from
// gen_ai.client.operation.time_to_first_chunk (SECONDS), reasoning tokens from the supplemental
// ai.usage.outputTokenDetails.reasoningTokens.
import type { SpanKind } from "../../../lib/span/types.ts";
import { type AttributeBag, asCount, asNumber, asString, asStringArray, isRecord, parseJsonValue } from "./attributes.ts";
import { addTags, type ConventionInput, fill, fillModel, fillParams, findEvent, promptRef, type SpanDraft } from "./draft.ts";
import { fillOutputMessages, GEN_AI_USAGE_KEYS } from "./gen-ai.ts";
import { aiSdkList, fromAiSdkPrompt, type Message, type Part, simplify, toolCall } from "./messages.ts";
import { normalizeProvider } from "./providers.ts";
import { normalizeStopReason } from "./stop-reason.ts";
import { canonicalUsage, type RawUsage, takeUsage } from "./usage.ts";

const OUTER_OPERATIONS = new Set([
  "ai.generateText",
  "ai.streamText",
  "ai.generateObject",
  "ai.streamObject",
  "ai.embed",
  "ai.embedMany",
  "ai.rerank",
]);

function legacyKind(operationId: string): SpanKind {
  if (OUTER_OPERATIONS.has(operationId)) return "chain";
  if (operationId.endsWith(".doGenerate") || operationId.endsWith(".doStream")) return "llm";
  if (operationId.endsWith(".doEmbed")) return "embedding";
  if (operationId.endsWith(".doRerank")) return "rerank";
  if (operationId === "ai.toolCall") return "tool";
  return "custom"; // ai.generateSpeech, ai.transcribe, …: no canonical kind fits
}

const V7_OPERATION_KINDS: Record<string, SpanKind> = {
  invoke_agent: "agent",
  agent_step: "chain",
  chat: "llm",
  execute_tool: "tool",
  embeddings: "embedding",
  rerank: "rerank",
};

export function normalizeVercelAi(input: ConventionInput): void {
  const { bag, draft: d } = input;
  const operationId = bag.peekString("ai.operationId");
  if (operationId !== undefined) {
    bag.consume("ai.operationId");
    fill(d, "kind", legacyKind(operationId));
    // Tools are named by the tool; other spans by the SDK's display name ("ai.generateText my-fn").
    const toolName = bag.takeString("ai.toolCall.name");
    const displayName = bag.takeString("operation.name");
    fill(d, "name", toolName ?? displayName);
  } else {
    fillV7Kind(d, bag);
  }

  fillModel(d, bag, ["ai.response.model", "gen_ai.response.model", "ai.model.id", "gen_ai.request.model"]);
  const provider = normalizeProvider(bag.peekString("ai.model.provider"));
  fill(d, "provider", provider);
  // The inner span repeats the raw provider id as gen_ai.system.
  if (provider !== undefined) {
    bag.consume("ai.model.provider");
    if (bag.peekString("gen_ai.system") === bag.peekString("ai.model.provider")) bag.consume("gen_ai.system");
  }
  // The inner span repeats the response id under its gen_ai name.
  if (bag.has("ai.response.id") && bag.peek("gen_ai.response.id") === bag.peek("ai.response.id")) {
    bag.consume("gen_ai.response.id");
  }
  fillParams(d, takeSettings(bag));
  fillUsage(d, bag);
  fill(d, "stop_reason", normalizeStopReason(bag.takeString("ai.response.finishReason")));
  fillInput(d, bag);
  fillOutput(d, bag);
  fillFirstToken(input);
  fillContext(d, bag);
}

function fillV7Kind(d: SpanDraft, bag: AttributeBag): void {
  const op = bag.peekString("gen_ai.operation.name");
  const kind = op === undefined ? undefined : V7_OPERATION_KINDS[op];
  if (kind) {
    bag.consume("gen_ai.operation.name");
    fill(d, "kind", kind);
  }
}

// ---- settings, usage ------------------------------------------------------------------------------

const SETTING_NAMES: Record<string, string> = { maxOutputTokens: "max_tokens", maxTokens: "max_tokens" };

function takeSettings(bag: AttributeBag): Record<string, unknown> {
  const params: Record<string, unknown> = {};
  for (const key of bag.keysWithPrefix("ai.settings.")) {
    const name = key.slice("ai.settings.".length);
    if (name.startsWith("context.")) continue; // runtime context: session/user or free metadata
    params[SETTING_NAMES[name] ?? snakeCase(name)] ??= bag.take(key);
  }
  return params;
}

function snakeCase(s: string): string {
  return s.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`).replaceAll(".", "_");
}

function fillUsage(d: SpanDraft, bag: AttributeBag): void {
  // ai v6 reports the uncached part separately: then inputTokens is known to include the cache.
  const noCache = bag.has("ai.usage.inputTokenDetails.noCacheTokens");
  const raw = takeUsage(bag, {
    input: ["ai.usage.inputTokens", "ai.usage.promptTokens", "ai.usage.tokens", ...GEN_AI_USAGE_KEYS.input],
    output: ["ai.usage.outputTokens", "ai.usage.completionTokens", ...GEN_AI_USAGE_KEYS.output],
    total: ["ai.usage.totalTokens", ...GEN_AI_USAGE_KEYS.total],
    cacheRead: ["ai.usage.inputTokenDetails.cacheReadTokens", "ai.usage.cachedInputTokens", ...GEN_AI_USAGE_KEYS.cacheRead],
    cacheWrite: ["ai.usage.inputTokenDetails.cacheWriteTokens", ...GEN_AI_USAGE_KEYS.cacheWrite],
    reasoning: [
      "ai.usage.outputTokenDetails.reasoningTokens",
      "ai.usage.reasoningTokens",
      ...GEN_AI_USAGE_KEYS.reasoning,
    ],
  });
  // The details that only restate the totals above.
  bag.consume("ai.usage.inputTokenDetails.noCacheTokens", "ai.usage.outputTokenDetails.textTokens");
  if (!raw) return;
  const fromMetadata = providerMetadataCache(bag.peek("ai.response.providerMetadata"));
  raw.cacheRead ??= fromMetadata.cacheRead;
  raw.cacheWrite ??= fromMetadata.cacheWrite;
  fill(d, "usage", canonicalUsage(raw, { cache: noCache ? "inclusive" : "unknown" }));
}

/** Cache counts some providers only report inside `ai.response.providerMetadata` (kept in attributes). */
function providerMetadataCache(value: unknown): Pick<RawUsage, "cacheRead" | "cacheWrite"> {
  const meta = parseJsonValue(value);
  if (!isRecord(meta)) return {};
  const openai = isRecord(meta.openai) ? meta.openai : {};
  const anthropic = isRecord(meta.anthropic) ? meta.anthropic : {};
  const anthropicUsage = isRecord(anthropic.usage) ? anthropic.usage : {};
  const bedrock = isRecord(meta.bedrock) && isRecord(meta.bedrock.usage) ? meta.bedrock.usage : {};
  return {
    cacheRead: asCount(
      openai.cachedPromptTokens ??
        anthropicUsage.cache_read_input_tokens ??
        anthropic.cacheReadInputTokens ??
        bedrock.cacheReadInputTokens,
    ),
    cacheWrite: asCount(
      anthropicUsage.cache_creation_input_tokens ?? anthropic.cacheCreationInputTokens ?? bedrock.cacheWriteInputTokens,
    ),
  };
}

// ---- input / output -----------------------------------------------------------------------------------

function fillInput(d: SpanDraft, bag: AttributeBag): void {
  const inner = bag.takeJson("ai.prompt.messages");
  const outer = bag.takeJson("ai.prompt");
  const args = bag.take("ai.toolCall.args");
  const value = bag.take("ai.value");
  const values = bag.take("ai.values");
  if (d.input !== undefined) return;
  const messages = Array.isArray(inner) ? aiSdkList(inner) : fromAiSdkPrompt(outer);
  if (messages?.length) d.input = simplify(messages);
  else if (outer !== undefined) d.input = outer;
  else if (args !== undefined) d.input = parseJsonValue(args);
  // Embedding inputs are JSON-encoded one by one (`"\"sunny day\""`).
  else if (value !== undefined) d.input = parseJsonValue(value);
  else if (Array.isArray(values)) d.input = values.map(parseJsonValue);
}

function fillOutput(d: SpanDraft, bag: AttributeBag): void {
  const text = bag.takeString("ai.response.text", "ai.result.text");
  const toolCalls = bag.takeJson("ai.response.toolCalls", "ai.result.toolCalls");
  const reasoning = bag.takeString("ai.response.reasoning");
  const object = bag.take("ai.response.object") ?? bag.take("ai.result.object");
  const toolResult = bag.take("ai.toolCall.result");
  const embedding = bag.take("ai.embedding");
  const embeddings = bag.take("ai.embeddings");

  const calls = Array.isArray(toolCalls) ? toolCalls.map(aiSdkToolCall).filter((c) => c !== undefined) : [];
  if (text !== undefined || calls.length || reasoning !== undefined) {
    const parts: Part[] = [];
    if (reasoning !== undefined) parts.push({ type: "reasoning", text: reasoning });
    if (text !== undefined) parts.push({ type: "text", text });
    const message: Message = { role: "assistant", content: parts };
    if (calls.length) message.tool_calls = calls;
    if (d.output === undefined) fillOutputMessages(d, [message]);
    else fill(d, "thinking", reasoning);
  }
  if (object !== undefined) fill(d, "output", parseJsonValue(object));
  if (toolResult !== undefined) fill(d, "output", parseJsonValue(toolResult));
  if (embedding !== undefined) fill(d, "output", parseJsonValue(embedding));
  if (Array.isArray(embeddings)) fill(d, "output", embeddings.map(parseJsonValue));
}

/** v5+ `{toolCallId, toolName, input}`; v4 `{toolCallType, toolCallId, toolName, args: "<JSON>"}`. */
function aiSdkToolCall(c: unknown) {
  if (!isRecord(c)) return undefined;
  return toolCall(c.toolCallId, c.toolName, c.input !== undefined ? c.input : c.args);
}

// ---- timing, context ----------------------------------------------------------------------------------

function fillFirstToken(input: ConventionInput): void {
  const { bag, draft: d } = input;
  const ms = bag.takeNumber("ai.response.msToFirstChunk", "ai.stream.msToFirstChunk");
  const seconds = bag.takeNumber("gen_ai.client.operation.time_to_first_chunk");
  const event = findEvent(input, ["ai.stream.firstChunk"]);
  if (event) input.consumedEvents.add(event);
  const fromEvent = event ? asNumber(event.attributes["ai.response.msToFirstChunk"] ?? event.attributes["ai.stream.msToFirstChunk"]) : undefined;
  const value = ms ?? (seconds !== undefined ? seconds * 1000 : fromEvent);
  if (value !== undefined && value >= 0) fill(d, "first_token_ms", value);
}

function fillContext(d: SpanDraft, bag: AttributeBag): void {
  for (const prefix of ["ai.telemetry.metadata.", "ai.settings.context."]) {
    fill(d, "session_id", bag.takeString(`${prefix}sessionId`));
    fill(d, "user_id", bag.takeString(`${prefix}userId`));
    addTags(d, asStringArray(bag.takeJson(`${prefix}tags`)));
  }
  const prompt = bag.peek("ai.telemetry.metadata.langfusePrompt");
  const parsed = parseJsonValue(prompt);
  if (isRecord(parsed) && asString(parsed.name) && d.prompt == null) {
    bag.consume("ai.telemetry.metadata.langfusePrompt");
    d.prompt = promptRef(asString(parsed.name) as string, parsed.version);
  }
}

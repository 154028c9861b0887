// OpenLLMetry (Traceloop) → canonical span: its own keys and the LEGACY flattened message encoding.
// The OTel `gen_ai.*` keys it emits ("now": Py ≥ 0.54/0.55, JS ≥ 0.23) are left to gen-ai.ts, which runs
// after this module; only usage is read here in full, because usage is filled as one object and the
// legacy aliases must be read together with the current keys.
//
// Map:
//   kind            traceloop.span.kind (workflow, task → chain; agent; tool; unknown/session → custom);
//                   llm.request.type (chat, completion → llm; embedding; rerank); vector-DB spans
//                   (db.system + db.vector.query.*) → retrieval
//   input/output    legacy gen_ai.prompt.{i}.{role,content,tool_call_id,tool_calls.{k}.*} /
//                   gen_ai.completion.{i}.{role,content,finish_reason,refusal,tool_calls.{k}.*,function_call.*}
//                   (a multi-part `content` is itself a JSON string); decorated spans:
//                   traceloop.entity.input / traceloop.entity.output (JSON)
//   thinking        legacy Anthropic: an extra gen_ai.completion.{i} whose role is `thinking`
//   usage           gen_ai.usage.* (current and ≤ 0.47 names), llm.usage.total_tokens,
//                   gen_ai.usage.cache_{read,creation}_input_tokens (legacy), gen_ai.usage.reasoning_tokens,
//                   llm.usage.reasoning_tokens. Anthropic spans pass Anthropic's raw input count through
//                   (cache EXCLUDED — reference "Traps"), so they are reconciled as exclusive.
//   stop_reason     gen_ai.completion.{i}.finish_reason (raw provider value)
//   model_parameters llm.top_k, llm.frequency_penalty, llm.presence_penalty, llm.chat.stop_sequences,
//                   llm.is_streaming / gen_ai.is_streaming → stream
//   session/user    traceloop.association.properties.session_id / .user_id; legacy llm.user (OpenAI `user`)
//   prompt          traceloop.prompt.key + traceloop.prompt.version
import type { SpanKind } from "../../../lib/span/types.ts";
import { type AttributeBag, asString, parseJsonValue } from "./attributes.ts";
import { type ConventionInput, fill, fillParams, promptRef, type SpanDraft } from "./draft.ts";
import { fillOutputMessages, GEN_AI_USAGE_KEYS } from "./gen-ai.ts";
import { fromChatMessage, type Flat, type Message, simplify, subIndexed, takeIndexed, toolCall } from "./messages.ts";
import { normalizeProvider } from "./providers.ts";
import { normalizeStopReason } from "./stop-reason.ts";
import { canonicalUsage, takeUsage, type UsageKeys } from "./usage.ts";

const SPAN_KINDS: Record<string, SpanKind> = {
  workflow: "chain",
  task: "chain",
  agent: "agent",
  tool: "tool",
  unknown: "custom",
  session: "custom",
};

const REQUEST_TYPES: Record<string, SpanKind> = {
  chat: "llm",
  completion: "llm",
  embedding: "embedding",
  rerank: "rerank",
};

const USAGE_KEYS: UsageKeys = {
  input: GEN_AI_USAGE_KEYS.input,
  output: GEN_AI_USAGE_KEYS.output,
  total: [...GEN_AI_USAGE_KEYS.total, "llm.usage.total_tokens"],
  cacheRead: [...GEN_AI_USAGE_KEYS.cacheRead, "gen_ai.usage.cache_read_input_tokens"],
  cacheWrite: [...GEN_AI_USAGE_KEYS.cacheWrite, "gen_ai.usage.cache_creation_input_tokens"],
  reasoning: [...GEN_AI_USAGE_KEYS.reasoning, "gen_ai.usage.reasoning_tokens", "llm.usage.reasoning_tokens"],
};

export function normalizeOpenLlmetry(input: ConventionInput): void {
  const { bag, draft: d } = input;
  fill(d, "kind", openLlmetryKind(bag));
  fillUsage(d, bag);
  fillLegacyMessages(d, bag);
  fillEntityIo(d, bag);
  fillParams(d, {
    top_k: bag.take("llm.top_k"),
    frequency_penalty: bag.take("llm.frequency_penalty"),
    presence_penalty: bag.take("llm.presence_penalty"),
    stop_sequences: bag.take("llm.chat.stop_sequences"),
    stream: bag.takeFirst(["gen_ai.is_streaming", "llm.is_streaming"]),
  });
  fill(d, "session_id", bag.takeString("traceloop.association.properties.session_id"));
  fill(d, "user_id", bag.takeString("traceloop.association.properties.user_id", "llm.user"));
  const promptKey = bag.peekString("traceloop.prompt.key");
  if (promptKey !== undefined && d.prompt == null) {
    bag.consume("traceloop.prompt.key");
    d.prompt = promptRef(promptKey, bag.take("traceloop.prompt.version"));
  }
}

function openLlmetryKind(bag: AttributeBag): SpanKind | undefined {
  const spanKind = SPAN_KINDS[bag.peekString("traceloop.span.kind") ?? ""];
  if (spanKind) {
    bag.consume("traceloop.span.kind");
    return spanKind;
  }
  const requestType = REQUEST_TYPES[bag.peekString("llm.request.type") ?? ""];
  if (requestType) {
    bag.consume("llm.request.type");
    return requestType;
  }
  if (bag.has("db.system") && bag.keysWithPrefix("db.vector.query.").length > 0) return "retrieval";
  return undefined;
}

function fillUsage(d: SpanDraft, bag: AttributeBag): void {
  // Decided before gen-ai.ts consumes the provider keys: the Anthropic instrumentation reports
  // Anthropic's own input_tokens, which leave cache reads and writes out.
  const provider = normalizeProvider(bag.peekString("gen_ai.provider.name") ?? bag.peekString("gen_ai.system"));
  const raw = takeUsage(bag, USAGE_KEYS);
  const cache = (d.provider ?? provider) === "anthropic" ? "exclusive" : "unknown";
  fill(d, "usage", canonicalUsage(raw, { cache }));
}

// ---- legacy flattened messages ------------------------------------------------------------------------

function fillLegacyMessages(d: SpanDraft, bag: AttributeBag): void {
  const prompts = takeIndexed(bag, "gen_ai.prompt.");
  const completions = takeIndexed(bag, "gen_ai.completion.");
  if (prompts.length) fill(d, "input", simplify(prompts.flatMap(fromLegacyMessage)));
  if (completions.length === 0) return;

  const thoughts: string[] = [];
  const out: Message[] = [];
  for (const rec of completions) {
    // Legacy Anthropic spans: the thinking block is an extra completion entry with role "thinking".
    if (rec.get("role") === "thinking") {
      const text = asString(rec.get("content"));
      if (text) thoughts.push(text);
      continue;
    }
    out.push(...fromLegacyMessage(rec));
    fill(d, "stop_reason", normalizeStopReason(rec.get("finish_reason")));
  }
  if (thoughts.length) fill(d, "thinking", thoughts.join("\n"));
  if (out.length && d.output === undefined) fillOutputMessages(d, out);
}

/** One `gen_ai.{prompt,completion}.{i}` record; `content` may be JSON text holding a parts list. */
function fromLegacyMessage(rec: Flat): Message[] {
  const raw = rec.get("content");
  const content = typeof raw === "string" && /^\s*\[/.test(raw) ? parseJsonValue(raw) : raw;
  const [m, ...rest] = fromChatMessage({
    role: rec.get("role"),
    content,
    tool_call_id: rec.get("tool_call_id"),
    refusal: rec.get("refusal"),
  });
  const calls = subIndexed(rec, "tool_calls.")
    .map((c) => toolCall(c.get("id"), c.get("name"), c.get("arguments")))
    .filter((c) => c !== undefined);
  // Old function-call API (JS instrumentation).
  const fn = toolCall(undefined, rec.get("function_call.name"), rec.get("function_call.arguments"));
  if (fn) calls.push(fn);
  if (calls.length) m.tool_calls = [...(m.tool_calls ?? []), ...calls];
  return [m, ...rest];
}

/** Decorated workflow/task/agent/tool spans: `{"args":[…],"kwargs":{…}}` in, the return value out. */
function fillEntityIo(d: SpanDraft, bag: AttributeBag): void {
  const input = bag.take("traceloop.entity.input");
  if (input !== undefined) fill(d, "input", parseJsonValue(input));
  const output = bag.take("traceloop.entity.output");
  if (output !== undefined) fill(d, "output", parseJsonValue(output));
}

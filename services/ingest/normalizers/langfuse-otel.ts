// Langfuse OTel attributes (`langfuse.*`, as the Langfuse SDKs v4+ emit them through OTLP, plus the
// fallback keys the Langfuse server reads) → canonical span.
//
// Map (LangfuseOtelSpanAttributes in @langfuse/core; server: OtelIngestionProcessor):
//   kind            langfuse.observation.type (lowercase; table below). `span` is Langfuse's default
//                   type and says nothing, so it leaves the kind to other conventions (else custom).
//   model           langfuse.observation.model.name;  model_parameters: langfuse.observation.model.parameters (JSON)
//   usage           langfuse.observation.usage_details (JSON; Langfuse buckets NEVER overlap: `input` is
//                   uncached input, `output` excludes reasoning, total = sum of buckets) — every input*
//                   bucket adds to input_tokens, every output* bucket to output_tokens. OpenAI-shaped
//                   usage objects (prompt_tokens, …; inclusive) are accepted too.
//   cost            langfuse.observation.cost_details (JSON, USD; input*/output* buckets, total) → reported
//   input/output    langfuse.observation.input / .output (JSON strings of anything; chat message lists
//                   are normalized like every other message list)
//   level           langfuse.observation.level (DEBUG, DEFAULT, WARNING, ERROR; also INFO, WARN, FATAL, …)
//   status_message  langfuse.observation.status_message
//   first_token_ms  langfuse.observation.completion_start_time (ISO timestamp, sometimes JSON-encoded twice)
//   prompt          langfuse.observation.prompt.{name,version} → langfuse.prompt.{name,version}
//   environment     langfuse.environment;  release: langfuse.release (langfuse.version: see otlp.ts)
//   session/user    langfuse.session.id / langfuse.user.id (compat), …metadata.langfuse_session_id /
//                   langfuse_user_id (current SDKs emit plain session.id / user.id: common.ts)
//   tags            langfuse.trace.tags (array, JSON array or comma-separated) → langfuse.tags →
//                   …metadata.langfuse_tags
// Trace-level keys without a canonical field (langfuse.trace.name, .input, .output, .public, .metadata.*,
// langfuse.observation.metadata.*, langfuse.internal.*) stay in attributes for destinations to use.
import { reportedCost } from "../../../lib/pricing/reported.ts";
import type { CanonicalSpan, SpanKind } from "../../../lib/span/types.ts";
import { toCanonicalTime, toUnixMicros } from "../../../lib/span/time.ts";
import { type AttributeBag, asNumber, asStringArray, isRecord, parseJsonValue } from "./attributes.ts";
import { addTags, type ConventionInput, fill, fillModel, fillParams, promptRef, type SpanDraft } from "./draft.ts";
import { fillOutputMessages } from "./gen-ai.ts";
import { parseMessageList, simplify } from "./messages.ts";
import { canonicalUsage, type RawUsage } from "./usage.ts";

const OBSERVATION_KINDS: Record<string, SpanKind> = {
  generation: "llm",
  embedding: "embedding",
  agent: "agent",
  tool: "tool",
  chain: "chain",
  retriever: "retrieval",
  evaluator: "custom",
  guardrail: "guardrail",
  event: "event",
};

const LEVELS: Record<string, NonNullable<CanonicalSpan["level"]>> = {
  DEBUG: "debug",
  TRACE: "debug",
  DEFAULT: "default",
  INFO: "default",
  WARNING: "warning",
  WARN: "warning",
  ERROR: "error",
  FATAL: "error",
  CRITICAL: "error",
};

const METADATA_PREFIXES = ["langfuse.trace.metadata.", "langfuse.observation.metadata."];

export function normalizeLangfuseOtel(input: ConventionInput): void {
  const { bag, draft: d } = input;
  const type = bag.peekString("langfuse.observation.type")?.toLowerCase();
  if (type !== undefined) {
    bag.consume("langfuse.observation.type");
    fill(d, "kind", OBSERVATION_KINDS[type]);
  }
  fillModel(d, bag, ["langfuse.observation.model.name"]);
  const params = bag.takeJson("langfuse.observation.model.parameters");
  if (isRecord(params)) fillParams(d, params);
  const usage = usageDetails(bag.takeJson("langfuse.observation.usage_details"));
  fill(d, "usage", canonicalUsage(usage, { cache: "inclusive", reasoning: "inclusive" }));
  fill(d, "cost", costDetails(bag.takeJson("langfuse.observation.cost_details")));
  fillIo(d, bag);

  const level = LEVELS[(bag.takeString("langfuse.observation.level") ?? "").toUpperCase()];
  fill(d, "level", level);
  fill(d, "status_message", bag.takeString("langfuse.observation.status_message"));
  fillCompletionStart(input);
  fillPrompt(d, bag);

  fill(d, "environment", bag.takeString("langfuse.environment"));
  // `langfuse.version` ranks below a resource-level langfuse.release: otlp.ts resolves it.
  fill(d, "release", bag.takeString("langfuse.release"));
  fill(d, "session_id", bag.takeString("langfuse.session.id", ...METADATA_PREFIXES.map((p) => `${p}langfuse_session_id`)));
  fill(d, "user_id", bag.takeString("langfuse.user.id", ...METADATA_PREFIXES.map((p) => `${p}langfuse_user_id`)));
  for (const key of ["langfuse.trace.tags", "langfuse.tags", ...METADATA_PREFIXES.map((p) => `${p}langfuse_tags`)]) {
    addTags(d, tagList(bag.take(key)));
  }
}

function tagList(v: unknown): string[] | undefined {
  const parsed = parseJsonValue(v);
  if (typeof parsed === "string") return parsed.split(",");
  return asStringArray(parsed);
}

// ---- usage and cost details -------------------------------------------------------------------------

/**
 * Langfuse usage buckets → canonical. Buckets never overlap, so summing every `input*` bucket gives the
 * inclusive input count and every `output*` bucket the inclusive output count. `input_cache_creation_5m`
 * / `_1h` are sub-buckets of `input_cache_creation` when both are present (Anthropic metadata), so they
 * are only summed without it.
 */
function usageDetails(value: unknown): RawUsage | undefined {
  if (!isRecord(value)) return undefined;
  const n = (key: string) => asNumber(value[key]);
  // An OpenAI usage object passed through as is: already inclusive counts.
  if (n("prompt_tokens") !== undefined || n("completion_tokens") !== undefined) {
    const pd = isRecord(value.prompt_tokens_details) ? value.prompt_tokens_details : {};
    const cd = isRecord(value.completion_tokens_details) ? value.completion_tokens_details : {};
    return {
      input: n("prompt_tokens"),
      output: n("completion_tokens"),
      total: n("total_tokens"),
      cacheRead: asNumber(pd.cached_tokens),
      reasoning: asNumber(cd.reasoning_tokens),
    };
  }
  const hasCreation = n("input_cache_creation") !== undefined;
  let input: number | undefined;
  let output: number | undefined;
  for (const [key, raw] of Object.entries(value)) {
    const count = asNumber(raw);
    if (count === undefined) continue;
    if (hasCreation && key.startsWith("input_cache_creation_")) continue;
    if (key.startsWith("input")) input = (input ?? 0) + count;
    else if (key.startsWith("output")) output = (output ?? 0) + count;
  }
  return {
    input,
    output,
    total: n("total"),
    cacheRead: n("input_cached_tokens") ?? n("input_cache_read") ?? n("cache_read_input_tokens"),
    cacheWrite:
      n("input_cache_creation") ?? sumDefined(n("input_cache_creation_5m"), n("input_cache_creation_1h")) ?? n("input_cache_write"),
    reasoning: n("output_reasoning_tokens") ?? n("output_reasoning"),
  };
}

function sumDefined(a: number | undefined, b: number | undefined): number | undefined {
  return a === undefined && b === undefined ? undefined : (a ?? 0) + (b ?? 0);
}

function costDetails(value: unknown) {
  if (!isRecord(value)) return undefined;
  let input: number | undefined;
  let output: number | undefined;
  for (const [key, raw] of Object.entries(value)) {
    const usd = asNumber(raw);
    if (usd === undefined) continue;
    if (key.startsWith("input")) input = (input ?? 0) + usd;
    else if (key.startsWith("output")) output = (output ?? 0) + usd;
  }
  return reportedCost({ input, output, total: asNumber(value.total) });
}

// ---- input/output, timing, prompt ---------------------------------------------------------------------

function fillIo(d: SpanDraft, bag: AttributeBag): void {
  const input = bag.takeJson("langfuse.observation.input");
  const output = bag.takeJson("langfuse.observation.output");
  if (input !== undefined) {
    const messages = parseMessageList(input);
    fill(d, "input", messages ? simplify(messages) : input);
  }
  if (output !== undefined && d.output === undefined) {
    const messages = parseMessageList(output);
    if (messages) fillOutputMessages(d, messages);
    else d.output = output;
  }
}

function fillCompletionStart(input: ConventionInput): void {
  const { bag, draft: d } = input;
  // Older SDKs JSON-encode the timestamp twice ("\"2025-…Z\"").
  const raw = parseJsonValue(bag.take("langfuse.observation.completion_start_time"));
  const at = toCanonicalTime(raw);
  if (at === null) return;
  const ms = Number(toUnixMicros(at) - input.startNanos / 1000n) / 1000;
  if (ms >= 0) fill(d, "first_token_ms", ms);
}

function fillPrompt(d: SpanDraft, bag: AttributeBag): void {
  const name = bag.takeString("langfuse.observation.prompt.name", "langfuse.prompt.name");
  const version = bag.takeFirst(["langfuse.observation.prompt.version", "langfuse.prompt.version"]);
  if (name !== undefined) fill(d, "prompt", promptRef(name, version));
}

// Langfuse usage and cost → canonical `usage` and `cost`.
//
// What Langfuse receives (NOTES.md §2.8, server types.ts + worker IngestionService at v4.16.0):
//   usage        (deprecated) {input, output, total, unit, inputCost, outputCost, totalCost}
//                or OpenAI-style {promptTokens, completionTokens, totalTokens} (→ unit TOKENS)
//   usageDetails {"<bucket>": count} free map, or an OpenAI Chat Completions / Responses usage object that
//                Langfuse flattens into buckets (`prompt_tokens_details.cached_tokens` → `input_cached_tokens`,
//                `completion_tokens_details.reasoning_tokens` → `output_reasoning_tokens`, …) SUBTRACTING
//                each detail from input/output
//   costDetails  {"<bucket>": usd}
// The worker's "provided usage details" are usage.{input,output,total} overlaid by the usageDetails buckets;
// costs likewise (usage.*Cost then costDetails).
//
// Langfuse buckets do not overlap: `input` is the UNCACHED remainder and every `input_*` bucket (cache
// read `input_cached_tokens`/`input_cache_read`, cache write `input_cache_creation[_5m|_1h]`/
// `input_cache_write`, `input_audio…`) is on top of it; `output` likewise excludes `output_*` buckets
// (`output_reasoning_tokens`, `output_reasoning`, audio). Canonical counts are INCLUSIVE (DESIGN.md), so:
//   input_tokens      = input  + Σ input_*          cache_read_tokens  = Σ input_* naming a cache read
//   output_tokens     = output + Σ output_*         cache_write_tokens = Σ input_* naming a cache write
//   total_tokens      = total if given, else input_tokens + output_tokens
//   reasoning_tokens  = Σ output_* naming reasoning
// Buckets with neither prefix (e.g. `accepted_prediction_tokens`) are not counted. Usage reported in
// another unit (legacy `unit` CHARACTERS, IMAGES, …) is not tokens and yields no canonical usage. The raw
// buckets are kept as JSON in `langfuse.usage_details` / `langfuse.cost_details` so nothing is lost.
// Cost: input_usd = input + Σ input_*, output_usd likewise, total_usd = total if given, else the sum of all
// buckets; source `reported` (Langfuse treats any provided cost as authoritative).
import type { Cost, Usage } from "../../../lib/span/types.ts";
import { validatorFor } from "./schema.ts";
import type { LangfuseLegacyUsage, LangfuseObservationBody } from "./types.ts";

type Buckets = Record<string, number>;
type UsageBody = Pick<LangfuseObservationBody, "usage" | "usageDetails" | "costDetails">;

export interface LangfuseUsageMapping {
  usage?: Usage;
  cost?: Cost;
  /** `langfuse.usage_details`, `langfuse.cost_details` (JSON of the provided buckets), `langfuse.usage.unit`. */
  attributes: Record<string, string>;
}

const TOKENS = "TOKENS";
const isCount = (v: unknown): v is number => typeof v === "number" && Number.isInteger(v) && v >= 0;
const isUsd = (v: unknown): v is number => typeof v === "number" && Number.isFinite(v) && v >= 0;

export function mapLangfuseUsage(body: UsageBody): LangfuseUsageMapping {
  const legacy = normalizeLegacyUsage(body.usage);
  const usageBuckets = providedUsageBuckets(legacy, parseUsageDetails(body.usageDetails));
  const costBuckets = providedCostBuckets(legacy, body.costDetails);
  const unit = legacy?.unit ?? undefined;
  const countsTokens = unit == null || unit === TOKENS;

  const mapping: LangfuseUsageMapping = { attributes: {} };
  if (countsTokens) mapping.usage = canonicalUsage(usageBuckets);
  else mapping.attributes["langfuse.usage.unit"] = unit;
  mapping.cost = canonicalCost(costBuckets);
  if (Object.keys(usageBuckets).length > 0) mapping.attributes["langfuse.usage_details"] = JSON.stringify(usageBuckets);
  if (Object.keys(costBuckets).length > 0) mapping.attributes["langfuse.cost_details"] = JSON.stringify(costBuckets);
  return mapping;
}

/** The zod transform on `usage`: OpenAI-style camelCase counts replace the Langfuse ones (unit TOKENS). */
function normalizeLegacyUsage(usage: LangfuseLegacyUsage | null | undefined): LangfuseLegacyUsage | undefined {
  if (!usage) return undefined;
  if ("promptTokens" in usage || "completionTokens" in usage || "totalTokens" in usage) {
    return { input: usage.promptTokens, output: usage.completionTokens, total: usage.totalTokens, unit: TOKENS };
  }
  return usage;
}

/** `usageDetails` as Langfuse parses it: OpenAI Completions, then OpenAI Responses, then a free map. */
export function parseUsageDetails(details: unknown): Buckets {
  if (details === null || typeof details !== "object") return {};
  const d = details as Record<string, unknown>;
  if (validatorFor("OpenAICompletionUsage")(d)) {
    return flattenOpenAIUsage(d, ["prompt_tokens", "completion_tokens"], ["prompt_tokens_details", "completion_tokens_details"]);
  }
  if (validatorFor("OpenAIResponseUsage")(d)) {
    return flattenOpenAIUsage(d, ["input_tokens", "output_tokens"], ["input_tokens_details", "output_tokens_details"]);
  }
  const buckets: Buckets = {};
  for (const [key, value] of Object.entries(d)) {
    if (isCount(value)) buckets[key] = value;
    else if (typeof value === "string" && /^\s*\d+\s*$/.test(value)) buckets[key] = Number.parseInt(value, 10);
  }
  return buckets;
}

/** OpenAI usage → buckets; each detail becomes `input_<k>`/`output_<k>` and is subtracted from input/output. */
function flattenOpenAIUsage(
  usage: Record<string, unknown>,
  [inputKey, outputKey]: [string, string],
  [inputDetailsKey, outputDetailsKey]: [string, string],
): Buckets {
  const buckets: Buckets = {
    input: usage[inputKey] as number,
    output: usage[outputKey] as number,
    total: usage.total_tokens as number,
  };
  const split = (side: "input" | "output", details: unknown) => {
    for (const [key, value] of Object.entries((details ?? {}) as Record<string, number | null>)) {
      if (value == null) continue;
      buckets[`${side}_${key}`] = value;
      buckets[side] = Math.max(buckets[side] - value, 0);
    }
  };
  split("input", usage[inputDetailsKey]);
  split("output", usage[outputDetailsKey]);
  return buckets;
}

/** The worker's provided_usage_details: legacy input/output/total (total derived only without buckets), then buckets. */
function providedUsageBuckets(legacy: LangfuseLegacyUsage | undefined, details: Buckets): Buckets {
  const buckets: Buckets = {};
  const input = legacy?.input;
  const output = legacy?.output;
  const hasDetails = Object.keys(details).length > 0;
  const derivedTotal = hasDetails ? undefined : input && output ? input + output : (input ?? output);
  const total = legacy?.total || derivedTotal;
  if (isCount(input)) buckets.input = input;
  if (isCount(output)) buckets.output = output;
  if (isCount(total)) buckets.total = total;
  return { ...buckets, ...details };
}

function providedCostBuckets(legacy: LangfuseLegacyUsage | undefined, costDetails: unknown): Buckets {
  const buckets: Buckets = {};
  if (isUsd(legacy?.inputCost)) buckets.input = legacy.inputCost;
  if (isUsd(legacy?.outputCost)) buckets.output = legacy.outputCost;
  if (isUsd(legacy?.totalCost)) buckets.total = legacy.totalCost;
  if (costDetails !== null && typeof costDetails === "object") {
    for (const [key, value] of Object.entries(costDetails)) if (isUsd(value)) buckets[key] = value;
  }
  return buckets;
}

const isInputBucket = (key: string) => key === "input" || key.startsWith("input_");
const isOutputBucket = (key: string) => key === "output" || key.startsWith("output_");
const isCacheRead = (key: string) => key.startsWith("input_") && /cached|cache_?read/.test(key);
const isCacheWrite = (key: string) => key.startsWith("input_") && /cache_?(creation|write)/.test(key);
const isReasoning = (key: string) => key.startsWith("output_") && key.includes("reasoning");

/** Sum of the buckets whose key passes `select`, or undefined when there is none. */
function sumOf(buckets: Buckets, select: (key: string) => boolean): number | undefined {
  const values = Object.entries(buckets).filter(([key]) => select(key)).map(([, value]) => value);
  return values.length === 0 ? undefined : values.reduce((a, b) => a + b, 0);
}

function withoutUndefined<T extends object>(value: T): T | undefined {
  const entries = Object.entries(value).filter(([, v]) => v !== undefined);
  return entries.length === 0 ? undefined : (Object.fromEntries(entries) as T);
}

export function canonicalUsage(buckets: Buckets): Usage | undefined {
  const input = sumOf(buckets, isInputBucket);
  const output = sumOf(buckets, isOutputBucket);
  const derivedTotal = input === undefined && output === undefined ? undefined : (input ?? 0) + (output ?? 0);
  return withoutUndefined<Usage>({
    input_tokens: input,
    output_tokens: output,
    total_tokens: buckets.total ?? derivedTotal,
    cache_read_tokens: sumOf(buckets, isCacheRead),
    cache_write_tokens: sumOf(buckets, isCacheWrite),
    reasoning_tokens: sumOf(buckets, isReasoning),
  });
}

/** Sums of USD amounts, without binary float noise (0.1 + 0.2 → 0.3): 12 significant digits. */
function usdSumOf(buckets: Buckets, select: (key: string) => boolean): number | undefined {
  const sum = sumOf(buckets, select);
  return sum === undefined ? undefined : Number(sum.toPrecision(12));
}

export function canonicalCost(buckets: Buckets): Cost | undefined {
  const priced = withoutUndefined({
    input_usd: usdSumOf(buckets, isInputBucket),
    output_usd: usdSumOf(buckets, isOutputBucket),
    total_usd: buckets.total ?? usdSumOf(buckets, () => true),
  });
  return priced ? { ...priced, source: "reported" } : undefined;
}

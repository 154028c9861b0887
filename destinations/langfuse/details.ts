// The model-call fields of a generation-like observation, canonical → Langfuse (pure; both modes):
//   usageDetails    canonical counts are inclusive, Langfuse buckets never overlap: input = input −
//                   cache read − cache write, input_cached_tokens, input_cache_creation, output =
//                   output − reasoning, output_reasoning_tokens, total (the inverse of our inbound
//                   services/ingest/langfuse/usage.ts, so a relayed span reads back the same counts)
//   costDetails     input/output/total USD (reported or computed: Langfuse then uses it as is)
//   modelParameters flat scalars and string lists; anything else as JSON text
//   prompt          name + integer version, or nothing (Langfuse needs both)
//   completionStartTime  start + first_token_ms
import { fromUnixMicros, toUnixMicros } from "../../lib/span/time.ts";
import type { CanonicalSpan, Cost, Usage } from "../../lib/span/types.ts";

export type MapValue = string | number | boolean | string[] | null;

/** Inclusive canonical counts → Langfuse's non-overlapping buckets (integers, never negative). */
export function usageDetails(usage: Usage | undefined): Record<string, number> | undefined {
  if (!usage) return undefined;
  const count = (n: number | undefined) => (n === undefined || !Number.isFinite(n) ? undefined : Math.max(0, Math.round(n)));
  const cacheRead = count(usage.cache_read_tokens);
  const cacheWrite = count(usage.cache_write_tokens);
  const reasoning = count(usage.reasoning_tokens);
  const input = count(usage.input_tokens);
  const output = count(usage.output_tokens);
  return nonEmpty({
    input: input === undefined ? undefined : Math.max(0, input - (cacheRead ?? 0) - (cacheWrite ?? 0)),
    input_cached_tokens: cacheRead,
    input_cache_creation: cacheWrite,
    output: output === undefined ? undefined : Math.max(0, output - (reasoning ?? 0)),
    output_reasoning_tokens: reasoning,
    total: count(usage.total_tokens),
  });
}

export function costDetails(cost: Cost | undefined): Record<string, number> | undefined {
  if (!cost) return undefined;
  const usd = (n: number | undefined) => (n === undefined || !Number.isFinite(n) || n < 0 ? undefined : n);
  return nonEmpty({ input: usd(cost.input_usd), output: usd(cost.output_usd), total: usd(cost.total_usd) });
}

/** Langfuse model parameters are flat scalars or string lists; anything else travels as JSON text. */
export function modelParameters(params: CanonicalSpan["model_parameters"]): Record<string, MapValue> | undefined {
  if (!params) return undefined;
  const out: Record<string, MapValue> = {};
  for (const [key, value] of Object.entries(params)) {
    if (value === undefined) continue;
    const scalar = value === null || typeof value === "string" || typeof value === "boolean" || (typeof value === "number" && Number.isFinite(value));
    const strings = Array.isArray(value) && value.every((v) => typeof v === "string");
    out[key] = scalar || strings ? (value as MapValue) : JSON.stringify(value);
  }
  return Object.keys(out).length ? out : undefined;
}

/** Langfuse links prompts by name + integer version (both or neither); a label-like version is not sent. */
export function promptOf(prompt: CanonicalSpan["prompt"]): { name: string; version: number } | undefined {
  if (!prompt) return undefined;
  const v = prompt.version;
  const version = typeof v === "number" ? v : typeof v === "string" && /^\d{1,15}$/.test(v) ? Number(v) : undefined;
  return version !== undefined && Number.isInteger(version) ? { name: prompt.name, version } : undefined;
}

export function completionStartTime(span: CanonicalSpan): string | undefined {
  if (span.first_token_ms == null || span.first_token_ms < 0) return stringAttribute(span, "tracerelay.completion_start_time");
  return fromUnixMicros(toUnixMicros(span.start_time) + BigInt(Math.round(span.first_token_ms * 1000)));
}

export function stringAttribute(span: CanonicalSpan, key: string): string | undefined {
  const v = span.attributes?.[key];
  return typeof v === "string" ? v : undefined;
}

export function nonEmpty<T extends Record<string, unknown>>(record: T): { [K in keyof T]: Exclude<T[K], undefined> } | undefined {
  const out = compact(record);
  return Object.keys(out).length ? (out as { [K in keyof T]: Exclude<T[K], undefined> }) : undefined;
}

/** Drops undefined fields, so bodies and attribute maps carry only what the span really had. */
export function compact<T extends object>(record: T): T {
  return Object.fromEntries(Object.entries(record).filter(([, v]) => v !== undefined)) as T;
}

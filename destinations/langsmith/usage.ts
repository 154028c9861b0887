// Canonical usage/cost → LangSmith `usage_metadata` (NOTES.md §5). Both count inclusively: input_tokens
// includes cached tokens, output_tokens includes reasoning, so counts pass through and cache/reasoning
// become the detail maps. Only costs the source REPORTED are sent; otherwise LangSmith prices the run
// from ls_provider / ls_model_name with its own table (our computed estimate would override it).
import type { CanonicalSpan } from "../../lib/span/types.ts";

type Counts = Record<string, number>;

function defined(entries: Array<[string, number | undefined]>): Counts | undefined {
  const out: Counts = {};
  for (const [k, v] of entries) if (typeof v === "number") out[k] = v;
  return Object.keys(out).length ? out : undefined;
}

export function usageMetadata(span: Pick<CanonicalSpan, "usage" | "cost">): Record<string, unknown> | undefined {
  const u = span.usage ?? {};
  const input = u.input_tokens;
  const output = u.output_tokens;
  const total = u.total_tokens ?? (input !== undefined || output !== undefined ? (input ?? 0) + (output ?? 0) : undefined);
  const counts = defined([
    ["input_tokens", input],
    ["output_tokens", output],
    ["total_tokens", total],
  ]);
  const inputDetails = defined([
    ["cache_read", u.cache_read_tokens],
    ["cache_creation", u.cache_write_tokens],
  ]);
  const outputDetails = defined([["reasoning", u.reasoning_tokens]]);
  const c = span.cost?.source === "reported" ? span.cost : undefined;
  const costs = defined([
    ["input_cost", c?.input_usd],
    ["output_cost", c?.output_usd],
    ["total_cost", c?.total_usd],
  ]);
  if (!counts && !inputDetails && !outputDetails && !costs) return undefined;
  // The three counts are required keys of LangSmith's UsageMetadata.
  return {
    input_tokens: 0,
    output_tokens: 0,
    total_tokens: 0,
    ...counts,
    ...(inputDetails ? { input_token_details: inputDetails } : {}),
    ...(outputDetails ? { output_token_details: outputDetails } : {}),
    ...costs,
  };
}

// Cost of a canonical span.
//
// Precedence (DESIGN.md): a cost the SOURCE reported (Langfuse cost_details, OpenInference llm.cost.*,
// gen_ai.usage.cost — already on the span with source "reported") is kept as is; otherwise the cost is
// computed from the span's model + usage, with configured per-model prices winning over the
// @pydantic/genai-prices data. No model, no token counts, or a model nobody prices → no cost.
//
// Any span kind with a model and usage is priced, roll-up parents included (a Vercel outer span or an
// invoke_agent span then carries the cost of its whole call); trace totals sum model kinds only.
import type { CanonicalSpan, Cost } from "../span/types.ts";
import { packageProviderId, priceFromCatalog } from "./catalog.ts";
import { findOverride, type PriceOverrides, priceWithOverride } from "./overrides.ts";
import { roundUsd } from "./reported.ts";

/** What pricing reads of a span; a whole CanonicalSpan fits. */
export type CostInputs = Pick<CanonicalSpan, "start_time" | "model" | "provider" | "usage" | "cost">;

export function computeCost(span: CostInputs, overrides?: PriceOverrides): Cost | undefined {
  if (span.cost?.source === "reported") return span.cost;
  const { model, usage } = span;
  if (!model || !usage || !((usage.input_tokens ?? 0) > 0 || (usage.output_tokens ?? 0) > 0)) return undefined;
  const provider = span.provider ?? undefined;

  const override = findOverride(overrides, [provider, packageProviderId(provider)], model);
  if (override) {
    const { input, output } = priceWithOverride(override, usage);
    return computed(input, output, input + output);
  }
  const price = priceFromCatalog(provider, model, usage, new Date(span.start_time));
  return price ? computed(price.input, price.output, price.total) : undefined;
}

function computed(input: number, output: number, total: number): Cost {
  return { input_usd: roundUsd(input), output_usd: roundUsd(output), total_usd: roundUsd(total), source: "computed" };
}

// Model prices set in configuration. They win over the price package, so a team can price a private
// deployment, a fine-tune, or a model the package does not know yet.
//
// Config shape (keys are "<model>" or "<provider>/<model>"; the provider-qualified key wins):
//   { "gpt-4o-ft:acme": { input_per_mtok: 3.75, output_per_mtok: 15 },
//     "anthropic/claude-sonnet-4-5": { input_per_mtok: 3, output_per_mtok: 15, cache_read_per_mtok: 0.3, cache_write_per_mtok: 3.75 } }
import type { Usage } from "../span/types.ts";

export interface ModelPriceOverride {
  input_per_mtok: number;
  output_per_mtok: number;
  /** Defaults to input_per_mtok: without a cache price, cached tokens cost what input tokens cost. */
  cache_read_per_mtok?: number;
  /** Defaults to input_per_mtok. */
  cache_write_per_mtok?: number;
}

export type PriceOverrides = Record<string, ModelPriceOverride>;

export function findOverride(
  overrides: PriceOverrides | undefined,
  providers: ReadonlyArray<string | undefined>,
  model: string,
): ModelPriceOverride | undefined {
  if (!overrides) return undefined;
  for (const provider of providers) {
    if (provider) {
      const hit = overrides[`${provider}/${model}`];
      if (hit) return hit;
    }
  }
  return overrides[model];
}

export function priceWithOverride(price: ModelPriceOverride, usage: Usage): { input: number; output: number } {
  const input = usage.input_tokens ?? 0;
  const cacheRead = usage.cache_read_tokens ?? 0;
  const cacheWrite = usage.cache_write_tokens ?? 0;
  const uncached = Math.max(0, input - cacheRead - cacheWrite);
  return {
    input:
      (uncached * price.input_per_mtok +
        cacheRead * (price.cache_read_per_mtok ?? price.input_per_mtok) +
        cacheWrite * (price.cache_write_per_mtok ?? price.input_per_mtok)) /
      1e6,
    // Reasoning tokens are part of output_tokens and billed as output.
    output: ((usage.output_tokens ?? 0) * price.output_per_mtok) / 1e6,
  };
}

// Price lookups in the offline data bundled with @pydantic/genai-prices (no network: auto-update is
// never enabled here).
//
// Finding a model in the package is the expensive part (provider and model match rules are evaluated
// over every entry, ~30 µs), so the resolution is memoized per (provider, model): the first lookup
// finds the package's provider and model entry, later ones price against a one-model provider built
// from that entry (~8 µs, most of it the package's own price arithmetic, which handles tiered and
// time-dependent prices). Misses are memoized too.
import { calcPrice, findProvider, type Provider } from "@pydantic/genai-prices";
import type { Usage } from "../span/types.ts";

/** Canonical provider names (OTel gen_ai.provider.name values) → the package's provider ids. */
const PACKAGE_PROVIDER: Record<string, string> = {
  "aws.bedrock": "aws",
  "azure.ai.openai": "azure",
  "azure.ai.inference": "azure",
  "gcp.gemini": "google",
  "gcp.vertex_ai": "google",
  "gcp.gen_ai": "google",
  mistral_ai: "mistral",
  x_ai: "x-ai",
  together_ai: "together",
};

export function packageProviderId(provider: string | undefined): string | undefined {
  return provider === undefined ? undefined : (PACKAGE_PROVIDER[provider] ?? provider);
}

const resolved = new Map<string, Provider | null>();
const MAX_ENTRIES = 10_000; // bounded: model strings come from untrusted input

function resolve(provider: string | undefined, model: string): Provider | null {
  const key = `${provider ?? ""}\u0000${model}`;
  const hit = resolved.get(key);
  if (hit !== undefined) return hit;
  const providerId = packageProviderId(provider);
  // Model-only matching is a fallback for spans without a (known) provider: a provider the package
  // knows but whose model list lacks the model must not borrow another provider's price.
  const known = providerId !== undefined && findProvider({ providerId }) !== undefined;
  const found = safeCalc({}, model, known ? { providerId } : {});
  const single = found
    ? { id: found.provider.id, name: found.provider.name, api_pattern: found.provider.api_pattern, models: [found.model] }
    : null;
  if (resolved.size >= MAX_ENTRIES) resolved.clear();
  resolved.set(key, single);
  return single;
}

export interface CatalogPrice {
  input: number;
  output: number;
  total: number;
}

/** Prices canonical usage (input includes cache; output includes reasoning — the package's own rule). */
export function priceFromCatalog(
  provider: string | undefined,
  model: string,
  usage: Usage,
  at: Date,
): CatalogPrice | undefined {
  const entry = resolve(provider, model);
  if (!entry) return undefined;
  const result = safeCalc(
    {
      input_tokens: usage.input_tokens ?? 0,
      output_tokens: usage.output_tokens ?? 0,
      cache_read_tokens: usage.cache_read_tokens,
      cache_write_tokens: usage.cache_write_tokens,
    },
    model,
    { provider: entry, timestamp: at },
  );
  return result ? { input: result.input_price, output: result.output_price, total: result.total_price } : undefined;
}

function safeCalc(...args: Parameters<typeof calcPrice>): ReturnType<typeof calcPrice> {
  try {
    return calcPrice(...args);
  } catch {
    // The package throws on inconsistent usage (cache parts above the input total); no price then.
    return null;
  }
}

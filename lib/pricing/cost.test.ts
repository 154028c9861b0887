import { describe, expect, it } from "vitest";
import { type CostInputs, computeCost } from "./cost.ts";
import { reportedCost } from "./reported.ts";

const AT = "2025-10-09T08:53:20.000000Z";
const span = (s: Partial<CostInputs>): CostInputs => ({ start_time: AT, ...s });

describe("computeCost", () => {
  it("keeps a reported cost as is", () => {
    const cost = reportedCost({ input: 0.1, output: 0.2 });
    expect(cost).toEqual({ input_usd: 0.1, output_usd: 0.2, total_usd: 0.3, source: "reported" });
    expect(computeCost(span({ model: "gpt-4o", usage: { input_tokens: 10 }, cost }))).toBe(cost);
  });

  it("prices from @pydantic/genai-prices, cache reads at the cache rate", () => {
    // gpt-4o-2024-08-06: $2.50 / $1.25 cached / $10 per MTok
    expect(
      computeCost(
        span({
          provider: "openai",
          model: "gpt-4o-2024-08-06",
          usage: { input_tokens: 1200, output_tokens: 40, cache_read_tokens: 1024 },
        }),
      ),
    ).toEqual({ input_usd: 0.00172, output_usd: 0.0004, total_usd: 0.00212, source: "computed" });
  });

  it("prices Anthropic cache writes separately", () => {
    // claude-3-7-sonnet: $3 input, $0.30 cache read, $3.75 cache write, $15 output per MTok
    expect(
      computeCost(
        span({
          provider: "anthropic",
          model: "claude-3-7-sonnet-20250219",
          usage: { input_tokens: 2315, output_tokens: 400, cache_read_tokens: 2000, cache_write_tokens: 300 },
        }),
      ),
    ).toEqual({ input_usd: 0.00177, output_usd: 0.006, total_usd: 0.00777, source: "computed" });
  });

  it("maps canonical provider names to the package's providers", () => {
    const usage = { input_tokens: 1000, output_tokens: 100 };
    expect(computeCost(span({ provider: "azure.ai.openai", model: "gpt-4o", usage }))?.total_usd).toBe(0.0035);
    expect(computeCost(span({ provider: "gcp.vertex_ai", model: "gemini-2.5-flash", usage }))?.total_usd).toBe(0.00055);
    expect(computeCost(span({ provider: "x_ai", model: "grok-3", usage }))?.source).toBe("computed");
    expect(
      computeCost(span({ provider: "aws.bedrock", model: "anthropic.claude-3-5-sonnet-20240620-v1:0", usage }))?.source,
    ).toBe("computed");
  });

  it("matches by model alone when the provider is missing or unknown to the package", () => {
    const usage = { input_tokens: 1000, output_tokens: 100 };
    expect(computeCost(span({ model: "gpt-4o-mini", usage }))?.total_usd).toBe(0.00021);
    expect(computeCost(span({ provider: "my-gateway", model: "gpt-4o-mini", usage }))?.total_usd).toBe(0.00021);
  });

  it("does not borrow another provider's price for a known provider that lacks the model", () => {
    expect(computeCost(span({ provider: "anthropic", model: "gpt-4o", usage: { input_tokens: 10 } }))).toBeUndefined();
  });

  it("lets configured prices win, provider-qualified keys first, cache defaulting to the input price", () => {
    const overrides = {
      "gpt-4o": { input_per_mtok: 1, output_per_mtok: 2 },
      "openai/gpt-4o": { input_per_mtok: 3, output_per_mtok: 4, cache_read_per_mtok: 0.5 },
    };
    const usage = { input_tokens: 1000, output_tokens: 1000, cache_read_tokens: 400 };
    expect(computeCost(span({ provider: "openai", model: "gpt-4o", usage }), overrides)).toEqual({
      input_usd: 0.002,
      output_usd: 0.004,
      total_usd: 0.006,
      source: "computed",
    });
    expect(computeCost(span({ provider: "azure.ai.openai", model: "gpt-4o", usage }), overrides)).toEqual({
      input_usd: 0.001,
      output_usd: 0.002,
      total_usd: 0.003,
      source: "computed",
    });
  });

  it("gives no cost without a model, without tokens, or for a model nobody prices", () => {
    expect(computeCost(span({ usage: { input_tokens: 10 } }))).toBeUndefined();
    expect(computeCost(span({ model: "gpt-4o" }))).toBeUndefined();
    expect(computeCost(span({ model: "gpt-4o", usage: { input_tokens: 0, output_tokens: 0 } }))).toBeUndefined();
    expect(computeCost(span({ model: "no-such-model-123", usage: { input_tokens: 10 } }))).toBeUndefined();
  });

  it("answers the same from its memo as on the first lookup", () => {
    const s = span({ provider: "openai", model: "gpt-4.1", usage: { input_tokens: 2900, output_tokens: 310 } });
    const first = computeCost(s);
    expect(first).toEqual({ input_usd: 0.0058, output_usd: 0.00248, total_usd: 0.00828, source: "computed" });
    for (let i = 0; i < 3; i++) expect(computeCost(s)).toEqual(first);
  });
});

// Langfuse usage/cost buckets → canonical usage/cost: one row per shape an SDK actually sends.
import { describe, expect, it } from "vitest";
import { canonicalCost, canonicalUsage, mapLangfuseUsage, parseUsageDetails } from "./usage.ts";

describe("parseUsageDetails (Langfuse's own parsing)", () => {
  it("flattens OpenAI Chat Completions usage, subtracting details from input/output", () => {
    expect(
      parseUsageDetails({
        prompt_tokens: 100,
        completion_tokens: 40,
        total_tokens: 140,
        prompt_tokens_details: { cached_tokens: 30, audio_tokens: null },
        completion_tokens_details: { reasoning_tokens: 10 },
      }),
    ).toEqual({ input: 70, input_cached_tokens: 30, output: 30, output_reasoning_tokens: 10, total: 140 });
  });

  it("flattens OpenAI Responses usage", () => {
    expect(
      parseUsageDetails({ input_tokens: 50, output_tokens: 5, total_tokens: 55, input_tokens_details: { cached_tokens: 60 } }),
    ).toEqual({ input: 0, input_cached_tokens: 60, output: 5, total: 55 });
  });

  it("an OpenAI-looking object with an extra key is a free map (the OpenAI shapes are strict)", () => {
    expect(parseUsageDetails({ prompt_tokens: 3, completion_tokens: 4, total_tokens: 7, extra: 1 })).toEqual({
      prompt_tokens: 3,
      completion_tokens: 4,
      total_tokens: 7,
      extra: 1,
    });
  });

  it("free map: keeps non-negative integers and integer strings, drops the rest", () => {
    expect(parseUsageDetails({ input: "12", output: 3, a: -1, b: 1.5, c: "x", d: null, e: {} })).toEqual({ input: 12, output: 3 });
    expect(parseUsageDetails(null)).toEqual({});
  });
});

describe("canonicalUsage (buckets are exclusive, canonical counts inclusive)", () => {
  it.each([
    ["input and output only", { input: 10, output: 3 }, { input_tokens: 10, output_tokens: 3, total_tokens: 13 }],
    ["given total wins", { input: 10, output: 3, total: 20 }, { input_tokens: 10, output_tokens: 3, total_tokens: 20 }],
    [
      "cache read/write and reasoning are parts of input/output",
      { input: 100, input_cache_read: 20, input_cache_write: 5, output: 40, output_reasoning: 10 },
      { input_tokens: 125, output_tokens: 50, total_tokens: 175, cache_read_tokens: 20, cache_write_tokens: 5, reasoning_tokens: 10 },
    ],
    [
      "anthropic 5m/1h cache creation buckets add up",
      { input: 1, input_cache_creation: 2, input_cache_creation_5m: 3, input_cache_creation_1h: 4, output: 0 },
      { input_tokens: 10, output_tokens: 0, total_tokens: 10, cache_write_tokens: 9 },
    ],
    [
      "audio details count in input/output but not as cache or reasoning",
      { input: 5, input_audio_tokens: 7, output: 1, output_audio_tokens: 2 },
      { input_tokens: 12, output_tokens: 3, total_tokens: 15 },
    ],
    ["unprefixed extras are not counted", { input: 1, accepted_prediction_tokens: 9 }, { input_tokens: 1, total_tokens: 1 }],
    ["only a total", { total: 42 }, { total_tokens: 42 }],
  ])("%s", (_label, buckets, usage) => expect(canonicalUsage(buckets)).toEqual(usage));

  it("no buckets → no usage (so an empty update never erases usage)", () => {
    expect(canonicalUsage({})).toBeUndefined();
    expect(canonicalUsage({ accepted_prediction_tokens: 3 })).toBeUndefined();
  });
});

describe("canonicalCost", () => {
  it("sums input/output buckets, keeps a given total, marks it reported", () => {
    expect(canonicalCost({ input: 0.1, input_cached_tokens: 0.2, output: 0.3, total: 0.7 })).toEqual({
      input_usd: 0.3,
      output_usd: 0.3,
      total_usd: 0.7,
      source: "reported",
    });
  });

  it("derives the total from all buckets when none is given", () => {
    expect(canonicalCost({ input: 0.1, output: 0.2 })).toEqual({ input_usd: 0.1, output_usd: 0.2, total_usd: 0.3, source: "reported" });
    expect(canonicalCost({ other: 1.25 })).toEqual({ total_usd: 1.25, source: "reported" });
  });

  it("no cost buckets → no cost", () => expect(canonicalCost({})).toBeUndefined());
});

describe("mapLangfuseUsage", () => {
  it("legacy OpenAI camelCase usage replaces Langfuse counts and means tokens", () => {
    expect(mapLangfuseUsage({ usage: { input: 999, promptTokens: 1, completionTokens: 2, totalTokens: 3 } })).toEqual({
      usage: { input_tokens: 1, output_tokens: 2, total_tokens: 3 },
      cost: undefined,
      attributes: { "langfuse.usage_details": '{"input":1,"output":2,"total":3}' },
    });
  });

  it("legacy usage without total derives it only when there are no usageDetails", () => {
    expect(mapLangfuseUsage({ usage: { input: 4, output: 5 } }).usage).toEqual({ input_tokens: 4, output_tokens: 5, total_tokens: 9 });
    expect(mapLangfuseUsage({ usage: { input: 4, output: 5 }, usageDetails: { input_cached_tokens: 6 } }).usage).toEqual({
      input_tokens: 10,
      output_tokens: 5,
      total_tokens: 15,
      cache_read_tokens: 6,
    });
  });

  it("usageDetails overlay legacy usage bucket by bucket", () => {
    expect(mapLangfuseUsage({ usage: { input: 4, output: 5, total: 9 }, usageDetails: { output: 7 } }).usage).toEqual({
      input_tokens: 4,
      output_tokens: 7,
      total_tokens: 9,
    });
  });

  it("usage in a non-token unit is kept raw but yields no canonical usage", () => {
    expect(mapLangfuseUsage({ usage: { input: 10, output: 2, unit: "IMAGES", totalCost: 0.04 } })).toEqual({
      usage: undefined,
      cost: { total_usd: 0.04, source: "reported" },
      attributes: {
        "langfuse.usage.unit": "IMAGES",
        "langfuse.usage_details": '{"input":10,"output":2,"total":12}',
        "langfuse.cost_details": '{"total":0.04}',
      },
    });
  });

  it("costDetails overlay legacy costs; negative and non-numeric costs are dropped", () => {
    expect(
      mapLangfuseUsage({ usage: { inputCost: 1, outputCost: -2 }, costDetails: { output: 2, total: "5", weird: -1 } }).cost,
    ).toEqual({ input_usd: 1, output_usd: 2, total_usd: 3, source: "reported" });
  });

  it("nothing given → nothing set", () => {
    expect(mapLangfuseUsage({})).toEqual({ usage: undefined, cost: undefined, attributes: {} });
    expect(mapLangfuseUsage({ usage: {}, usageDetails: {}, costDetails: {} })).toEqual({
      usage: undefined,
      cost: undefined,
      attributes: {},
    });
  });
});

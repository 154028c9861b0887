import { describe, expect, it } from "vitest";
import { normalizeProvider } from "./providers.ts";
import { normalizeStopReason } from "./stop-reason.ts";
import { canonicalUsage } from "./usage.ts";

describe("canonicalUsage", () => {
  it("keeps inclusive counts and derives the total", () => {
    expect(canonicalUsage({ input: 1200, output: 40, cacheRead: 1024, reasoning: 8 })).toStrictEqual({
      input_tokens: 1200,
      output_tokens: 40,
      total_tokens: 1240,
      cache_read_tokens: 1024,
      reasoning_tokens: 8,
    });
  });

  it("keeps the source total when nothing was adjusted", () => {
    expect(canonicalUsage({ input: 10, output: 5, total: 16 })?.total_tokens).toBe(16);
  });

  it("adds cache reads and writes to an exclusive (Anthropic-style) input count", () => {
    expect(
      canonicalUsage({ input: 15, output: 400, total: 415, cacheRead: 2000, cacheWrite: 300 }, { cache: "exclusive" }),
    ).toStrictEqual({
      input_tokens: 2315,
      output_tokens: 400,
      total_tokens: 2715,
      cache_read_tokens: 2000,
      cache_write_tokens: 300,
    });
  });

  it("recognises exclusive counts when the cache parts exceed the input", () => {
    expect(canonicalUsage({ input: 12, cacheRead: 1500 })?.input_tokens).toBe(1512);
    expect(canonicalUsage({ input: 1512, cacheRead: 1500 })?.input_tokens).toBe(1512);
  });

  it("adds exclusive reasoning to output, and recognises reasoning above output", () => {
    expect(canonicalUsage({ output: 50, reasoning: 20 }, { reasoning: "exclusive" })?.output_tokens).toBe(70);
    expect(canonicalUsage({ output: 10, reasoning: 20 })?.output_tokens).toBe(30);
    expect(canonicalUsage({ output: 30, reasoning: 20 })?.output_tokens).toBe(30);
  });

  it("covers embeddings (input only) and cache-only reports", () => {
    expect(canonicalUsage({ input: 6 })).toStrictEqual({ input_tokens: 6, total_tokens: 6 });
    expect(canonicalUsage({ cacheRead: 100 })).toStrictEqual({ input_tokens: 100, total_tokens: 100, cache_read_tokens: 100 });
  });

  it("returns undefined without any count", () => {
    expect(canonicalUsage({})).toBeUndefined();
    expect(canonicalUsage(undefined)).toBeUndefined();
  });
});

describe("normalizeStopReason", () => {
  it.each([
    ["tool_calls", "tool_call"],
    ["tool_call", "tool_call"],
    ["tool-calls", "tool_call"],
    ["tool_use", "tool_call"],
    ["function_call", "tool_call"],
    ["end_turn", "stop"],
    ["stop_sequence", "stop"],
    ["STOP", "stop"],
    ["completed", "stop"],
    ["max_tokens", "length"],
    ["MAX_TOKENS", "length"],
    ["max_output_tokens", "length"],
    ["content-filter", "content_filter"],
    ["SAFETY", "content_filter"],
    ["error", "error"],
    ["pause_turn", "pause_turn"],
    ["refusal", "refusal"],
    ["other", "other"],
  ])("%s → %s", (raw, canonical) => expect(normalizeStopReason(raw)).toBe(canonical));

  it("takes the first reason of a per-choice list and ignores empties", () => {
    expect(normalizeStopReason(["", "tool-calls", "stop"])).toBe("tool_call");
    expect(normalizeStopReason([])).toBeUndefined();
    expect(normalizeStopReason("")).toBeUndefined();
    expect(normalizeStopReason(3)).toBeUndefined();
  });
});

describe("normalizeProvider", () => {
  it.each([
    ["openai", "openai"],
    ["openai.chat", "openai"],
    ["openai.responses", "openai"],
    ["OpenAI", "openai"],
    ["anthropic.messages", "anthropic"],
    ["Anthropic", "anthropic"],
    ["az.ai.openai", "azure.ai.openai"],
    ["az.ai.inference", "azure.ai.inference"],
    ["azure-openai.chat", "azure.ai.openai"],
    ["vertex_ai", "gcp.vertex_ai"],
    ["vertexai", "gcp.vertex_ai"],
    ["google.vertex.chat", "gcp.vertex_ai"],
    ["google.generative-ai", "gcp.gemini"],
    ["gemini", "gcp.gemini"],
    ["amazon-bedrock", "aws.bedrock"],
    ["aws", "aws.bedrock"],
    ["mistralai", "mistral_ai"],
    ["xai", "x_ai"],
    ["together_ai", "together_ai"],
    ["groq", "groq"],
    ["some-new-host", "some-new-host"],
  ])("%s → %s", (raw, canonical) => expect(normalizeProvider(raw)).toBe(canonical));
});

// Convention paths the golden folders do not reach, one small span each.
import { describe, expect, it } from "vitest";
import type { CanonicalSpan } from "../../../lib/span/types.ts";
import { validateSpan } from "../../../lib/span/validate.ts";
import type { Attributes, OtlpEvent, OtlpSpan } from "../otlp/types.ts";
import { normalizeOtlp } from "./otlp.ts";

const START = 1760000000000000000n;
const TRACE = "5b8efff798038103d269b633813fc60c";

function normalize(spans: Array<Partial<OtlpSpan>>, scope = ""): CanonicalSpan[] {
  const { spans: out, rejected } = normalizeOtlp(
    {
      resourceSpans: [
        {
          resource: { attributes: {} },
          scopeSpans: [
            {
              scope: { name: scope, version: "", attributes: {} },
              spans: spans.map((s, i) => ({
                traceId: TRACE,
                spanId: (i + 1).toString(16).padStart(16, "0"),
                parentSpanId: "",
                name: "s",
                kind: 0,
                startTimeUnixNano: START,
                endTimeUnixNano: START + 5_000_000n,
                attributes: {},
                events: [],
                status: { code: 0, message: "" },
                ...s,
              })),
            },
          ],
        },
      ],
    },
    { projectId: "p", format: "otlp" },
  );
  expect(rejected).toEqual([]);
  for (const span of out) expect(validateSpan(span)).toMatchObject({ ok: true });
  return out;
}

function one(attributes: Attributes, events: OtlpEvent[] = [], scope = ""): CanonicalSpan {
  return normalize([{ attributes, events }], scope)[0];
}

const event = (name: string, attributes: Attributes): OtlpEvent => ({ name, timeUnixNano: START + 1000n, attributes });

describe("gen_ai", () => {
  it("reads messages from a gen_ai.client.inference.operation.details event", () => {
    const span = one({ "gen_ai.operation.name": "chat" }, [
      event("gen_ai.client.inference.operation.details", {
        "gen_ai.input.messages": [{ role: "user", parts: [{ type: "text", content: "hi" }] }],
        "gen_ai.output.messages": JSON.stringify([{ role: "assistant", parts: [{ type: "text", content: "yo" }], finish_reason: "stop" }]),
      }),
    ]);
    expect(span.input).toEqual([{ role: "user", content: "hi" }]);
    expect(span.output).toEqual([{ role: "assistant", content: "yo" }]);
    expect(span.stop_reason).toBe("stop");
    expect(span.events).toEqual([]);
  });

  it("reads v1.28 message events whose body is a `body` attribute, and tool calls on choices", () => {
    const span = one({ "gen_ai.system": "openai", "gen_ai.request.model": "gpt-4o" }, [
      event("gen_ai.user.message", { body: { content: "weather?" } }),
      event("gen_ai.choice", {
        index: 0,
        finish_reason: "tool_calls",
        message: { role: "assistant" },
        tool_calls: JSON.stringify([{ id: "c1", type: "function", function: { name: "w", arguments: '{"q":1}' } }]),
      }),
    ]);
    expect(span.kind).toBe("llm");
    expect(span.input).toEqual([{ role: "user", content: "weather?" }]);
    expect(span.tool_calls).toEqual([{ id: "c1", name: "w", arguments: { q: 1 } }]);
    expect(span.stop_reason).toBe("tool_call");
  });

  it("keeps the per-choice finish reasons when choices ended differently", () => {
    const span = one({ "gen_ai.operation.name": "chat", "gen_ai.response.finish_reasons": ["length", "stop"] });
    expect(span.stop_reason).toBe("length");
    expect(span.attributes?.["gen_ai.response.finish_reasons"]).toEqual(["length", "stop"]);
  });

  it("keeps an unknown operation name visible and falls back to kind custom", () => {
    const span = one({ "gen_ai.operation.name": "plan" });
    expect(span.kind).toBe("custom");
    expect(span.attributes?.["gen_ai.operation.name"]).toBe("plan");
  });
});

describe("openinference", () => {
  it("reads legacy completions prompts/choices and the OpenAI `user` parameter", () => {
    const span = one({
      "openinference.span.kind": "LLM",
      "llm.prompts.0.prompt.text": "Say hi",
      "llm.choices.0.completion.text": "hi",
      "llm.invocation_parameters": JSON.stringify({ max_tokens: 5, user: "end-user-1" }),
    });
    expect([span.input, span.output, span.user_id, span.model_parameters]).toEqual(["Say hi", "hi", "end-user-1", { max_tokens: 5 }]);
  });

  it("reads reranker query and documents", () => {
    const span = one({
      "openinference.span.kind": "RERANKER",
      "reranker.model_name": "rerank-v3.5",
      "reranker.query": "refunds",
      "reranker.top_k": 1,
      "reranker.input_documents.0.document.content": "a",
      "reranker.input_documents.1.document.content": "b",
      "reranker.output_documents.0.document.content": "b",
      "reranker.output_documents.0.document.score": 0.9,
    });
    expect(span).toMatchObject({
      kind: "rerank",
      model: "rerank-v3.5",
      model_parameters: { top_k: 1 },
      input: { query: "refunds", documents: [{ content: "a" }, { content: "b" }] },
      output: [{ content: "b", score: 0.9 }],
    });
  });

  it("names a managed prompt by prompt.id with the template version", () => {
    expect(one({ "openinference.span.kind": "LLM", "prompt.id": "p-1", "llm.prompt_template.version": "v2" }).prompt).toEqual({
      name: "p-1",
      version: "v2",
    });
  });
});

describe("openllmetry", () => {
  it("reads the legacy function-call API and Traceloop managed prompts", () => {
    const span = one({
      "llm.request.type": "chat",
      "gen_ai.completion.0.role": "assistant",
      "gen_ai.completion.0.function_call.name": "lookup",
      "gen_ai.completion.0.function_call.arguments": '{"id":7}',
      "traceloop.prompt.key": "triage",
      "traceloop.prompt.version": 3,
    });
    expect(span.tool_calls).toEqual([{ name: "lookup", arguments: { id: 7 } }]);
    expect(span.prompt).toEqual({ name: "triage", version: 3 });
  });
});

describe("vercel_ai", () => {
  it("reads ai < 4 result keys and ai 7 legacy runtime context", () => {
    const span = one(
      {
        "ai.operationId": "ai.generateText",
        "ai.result.text": "done",
        "ai.settings.context.sessionId": "s-1",
        "ai.settings.context.tags": ["a", "b"],
      },
      [],
      "ai",
    );
    expect([span.kind, span.output, span.session_id, span.tags]).toEqual([
      "chain",
      [{ role: "assistant", content: "done" }],
      "s-1",
      ["a", "b"],
    ]);
  });
});

describe("langfuse", () => {
  it("keeps a non-integer prompt version as a string and reads JSON-array tags", () => {
    const span = one({
      "langfuse.observation.type": "generation",
      "langfuse.observation.prompt.name": "p",
      "langfuse.observation.prompt.version": 1.5,
      "langfuse.trace.tags": '["x","y"]',
    });
    expect([span.prompt, span.tags]).toEqual([{ name: "p", version: "1.5" }, ["x", "y"]]);
  });

  it("sums Anthropic 5m/1h cache-creation sub-buckets only without their parent bucket", () => {
    const usage = (details: Record<string, number>) =>
      one({ "langfuse.observation.type": "generation", "langfuse.observation.usage_details": JSON.stringify(details) }).usage;
    expect(usage({ input: 10, input_cache_creation_5m: 100, input_cache_creation_1h: 50, output: 5 })).toEqual({
      input_tokens: 160,
      output_tokens: 5,
      total_tokens: 165,
      cache_write_tokens: 150,
    });
    expect(usage({ input: 10, input_cache_creation: 150, input_cache_creation_5m: 100, input_cache_creation_1h: 50 })).toEqual({
      input_tokens: 160,
      total_tokens: 160,
      cache_write_tokens: 150,
    });
  });
});

describe("batch-level fix-ups", () => {
  it("keeps only the outermost of nested descriptions of one model call, in any arrival order", () => {
    const llm = (spanId: string, parentSpanId: string) => ({
      spanId,
      parentSpanId,
      attributes: { "gen_ai.operation.name": "chat", "gen_ai.request.model": "claude-sonnet-4-5" },
    });
    const spans = normalize([llm("0000000000000003", "0000000000000002"), llm("0000000000000002", "0000000000000001"), llm("0000000000000001", "")]);
    expect(spans.map((s) => [s.span_id, s.kind, s.attributes?.["tracerelay.duplicate_of"]])).toEqual([
      ["0000000000000003", "custom", "0000000000000002"],
      ["0000000000000002", "custom", "0000000000000001"],
      ["0000000000000001", "llm", undefined],
    ]);
  });
});

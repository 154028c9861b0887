import { createHash } from "node:crypto";
import { describe, expect, it } from "vitest";
import type { CanonicalSpan } from "../../lib/span/types.ts";
import { at, llmSpan, makeSpan } from "../../lib/store/testing.ts";
import { DeliveryConfigError, MappingError } from "../_delivery/index.ts";
import { destinationComplianceSuite } from "../_testkit/compliance.ts";
import type { ReceivedRequest } from "../_testkit/contract-server.ts";
import { langsmithAdapter, mapLangSmith, parseLangSmithConfig, runId, segment } from "./index.ts";
import { checkBatchRequest } from "./vendor.testing.ts";

const KEY = "lsv2_pt_compliance";

/** The vendor side of a request: every run must satisfy the contract; spans are found by the W3C ids we keep. */
function decode(req: ReceivedRequest) {
  const { runs, problems } = checkBatchRequest(req, KEY);
  expect(problems).toEqual([]);
  expect(req.headers["x-tenant-id"]).toBeUndefined(); // no workspace configured, none sent (not even the env's)
  const runIds = runs.map((r) => r.id).sort();
  return {
    spanIds: runs.map((r) => r.extra?.metadata?.tracerelay_span_id as string),
    // Run ids are the idempotency mechanism: the same spans always become the same run ids.
    idempotencyKey: createHash("sha256").update(runIds.join(",")).digest("hex"),
  };
}

destinationComplianceSuite("langsmith", (server) => ({
  adapter: langsmithAdapter("langsmith", { apiUrl: server.url, apiKey: KEY, project: "compliance" }),
  decode,
}));

const T = "0af7651916cd43dd8448eb211c80319c";
const span = (id: string, parent: string | null, startMs: number, extra: Partial<CanonicalSpan> = {}) =>
  makeSpan({ project_id: "p", trace_id: T, span_id: id.padStart(16, "0"), parent_span_id: parent ? parent.padStart(16, "0") : null, startMs, ...extra });

describe("langsmith tree", () => {
  it("formats a dotted_order segment with 6 fractional digits and the dashed UUID", () => {
    const id = runId(T, "1".padStart(16, "0"));
    expect(id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-8[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(segment("2024-09-19T17:16:48.521691Z", id)).toBe(`20240919T171648521691Z${id}`);
  });

  it("run ids depend on trace and span only; the same span in another trace is another run", () => {
    expect(runId(T, "a")).toBe(runId(T, "a"));
    expect(runId(T, "a")).not.toBe(runId("f".repeat(32), "a"));
  });

  it("follows ancestors inside the batch, whatever their order; clamps a child that starts before its parent", () => {
    const spans = [span("3", "2", 50), span("2", "1", 5), span("1", null, 10)]; // "2" starts before its parent
    const runs = mapLangSmith(spans, "p").runs;
    expect(runs.map((r) => r.extra.metadata.tracerelay_span_id)).toEqual(["1", "2", "3"].map((x) => x.padStart(16, "0")));
    const [root, mid, leaf] = runs;
    expect(root.dotted_order).toBe(segment(at(10), root.id));
    expect(mid.start_time).toBe(at(10));
    expect(mid.dotted_order).toBe(`${root.dotted_order}.${segment(at(10), mid.id)}`);
    expect(leaf.dotted_order).toBe(`${mid.dotted_order}.${segment(at(50), leaf.id)}`);
    expect(new Set(runs.map((r) => r.trace_id))).toEqual(new Set([root.id]));
    expect(mapLangSmith([...spans].reverse(), "p")).toEqual({ runs });
  });

  it("a parent outside the batch is taken as the root: the same trace_id and parent the root itself gets", () => {
    const child = mapLangSmith([span("2", "1", 30)], "p").runs[0];
    const root = mapLangSmith([span("1", null, 0)], "p").runs[0];
    expect(child.trace_id).toBe(root.id);
    expect(child.parent_run_id).toBe(root.id);
    expect(child.dotted_order).toBe(`${segment(at(30), root.id)}.${segment(at(30), child.id)}`);
  });

  it("survives a parent cycle", () => {
    const runs = mapLangSmith([span("1", "2", 0), span("2", "1", 0)], "p").runs;
    expect(runs).toHaveLength(2);
  });
});

describe("langsmith fields", () => {
  it("maps an llm span: messages, OpenAI-style tool calls, usage with details, model identity, reported cost", () => {
    const s = llmSpan({
      project_id: "p",
      trace_id: T,
      span_id: "1".padStart(16, "0"),
      model: "gpt-4o-mini",
      provider: "openai",
      model_parameters: { temperature: 0.2, max_tokens: 256 },
      tokens: { input_tokens: 120, output_tokens: 30, cache_read_tokens: 100, reasoning_tokens: 10 },
      costUsd: 0.002,
      input: [{ role: "user", content: "weather in Paris?" }],
      output: [{ role: "assistant", tool_calls: [{ id: "c1", name: "weather", arguments: { city: "Paris" } }] }],
      thinking: "need the tool",
      session_id: "chat-42",
      user_id: "u1",
      tags: ["prod"],
    });
    const [run] = mapLangSmith([s], "proj").runs;
    expect(run.run_type).toBe("llm");
    expect(run.inputs).toEqual({ messages: [{ role: "user", content: "weather in Paris?" }] });
    expect(run.outputs).toEqual({
      messages: [{ role: "assistant", tool_calls: [{ id: "c1", type: "function", function: { name: "weather", arguments: '{"city":"Paris"}' } }] }],
      reasoning: "need the tool",
    });
    expect(run.extra.metadata).toMatchObject({
      ls_provider: "openai",
      ls_model_name: "gpt-4o-mini",
      ls_temperature: 0.2,
      ls_max_tokens: 256,
      thread_id: "chat-42",
      user_id: "u1",
      usage_metadata: {
        input_tokens: 120,
        output_tokens: 30,
        total_tokens: 150,
        input_token_details: { cache_read: 100 },
        output_token_details: { reasoning: 10 },
        total_cost: 0.002,
      },
    });
    expect(run.extra.invocation_params).toEqual({ temperature: 0.2, max_tokens: 256 });
    expect(run.tags).toEqual(["prod"]);
    expect(run.session_name).toBe("proj");
  });

  it("leaves computed costs to LangSmith's price table", () => {
    const s = llmSpan({ project_id: "p", trace_id: T, span_id: "1".padStart(16, "0"), cost: { total_usd: 1, source: "computed" } });
    expect(mapLangSmith([s], "p").runs[0].extra.metadata.usage_metadata).toEqual({ input_tokens: 100, output_tokens: 20, total_tokens: 120 });
  });

  it("kinds, run-type and project overrides, non-object payloads, errors", () => {
    const runs = mapLangSmith(
      [
        span("1", null, 0, { kind: "agent", input: "plan a trip", attributes: { "langsmith.trace.session_name": "agents", team: "x" } }),
        span("2", "1", 1, { kind: "retrieval", output: [1, 2] }),
        span("3", "1", 2, { kind: "custom", attributes: { "langsmith.span.kind": "parser" } }),
        span("4", "1", 3, { kind: "tool", status: "error", status_message: "HTTP 500 from weather API" }),
        span("5", "1", 4, { kind: "event", status: "error", events: [{ name: "exception", time: at(4), attributes: { "exception.type": "ValueError", "exception.message": "bad" } }] }),
      ],
      "default-project",
    ).runs;
    expect(runs.map((r) => r.run_type)).toEqual(["chain", "retriever", "parser", "tool", "chain"]);
    expect(runs[0].inputs).toEqual({ input: "plan a trip" });
    expect(runs[0].session_name).toBe("agents");
    expect(runs[0].extra.metadata.team).toBe("x");
    expect(runs[0].extra.metadata).not.toHaveProperty("langsmith.trace.session_name");
    expect(runs[1].outputs).toEqual({ output: [1, 2] });
    expect(runs[1].session_name).toBe("default-project");
    expect(runs[3].error).toBe("HTTP 500 from weather API");
    expect(runs[4].error).toBe("ValueError: bad");
    expect(runs[4].events?.[0]).toMatchObject({ name: "exception", time: at(4) });
  });

  it("throws a MappingError for a span that is not JSON", () => {
    const bad = span("1", null, 0, { attributes: { n: 1n as unknown as number } });
    expect(() => mapLangSmith([bad], "p")).toThrow(MappingError);
  });
});

describe("langsmith config", () => {
  it("defaults the URL and project and applies LangSmith's limits", () => {
    const c = parseLangSmithConfig({ api_key: "k" });
    expect(c).toMatchObject({ apiUrl: "https://api.smith.langchain.com", project: "default", workspaceId: undefined });
    expect(c.delivery.batch).toMatchObject({ max_spans: 100, max_bytes: 20 * 1024 * 1024 });
    expect(c.delivery.rate_limit?.requests_per_second).toBe(80);
    expect(parseLangSmithConfig({ api_key: "k", api_url: "https://ls.example/api/v1/", delivery: { batch: { max_spans: 10 } } })).toMatchObject({
      apiUrl: "https://ls.example/api/v1",
      delivery: { batch: { max_spans: 10 } },
    });
  });

  it("reports every problem at once, and never echoes the key", () => {
    let err: unknown;
    try {
      parseLangSmithConfig({ api_key: "", api_url: "ftp://x", projekt: "a", delivery: { concurrency: 0 } });
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(DeliveryConfigError);
    expect((err as DeliveryConfigError).problems.length).toBeGreaterThanOrEqual(4);
  });
});

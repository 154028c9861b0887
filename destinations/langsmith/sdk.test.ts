// Drives the real `langsmith` Client through the destination against a local LangSmith stand-in that
// checks every batch against NOTES.md (vendor.testing.ts) and answers like the API: a realistic agent
// trace (agent → llm → tool → llm) must arrive as a consistent run tree with LangSmith's fields, also
// when OTel-style export order splits it over batches; 4xx is permanent, 503 retryable, and the SDK
// never retries behind the helper's back.
import { Registry } from "prom-client";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import type { CanonicalSpan } from "../../lib/span/types.ts";
import { at, llmSpan, makeSpan } from "../../lib/store/testing.ts";
import { createDelivery, InMemoryDeadLetterSink, resolveDeliveryOptions } from "../_delivery/index.ts";
import { type ContractServer, startContractServer } from "../_testkit/contract-server.ts";
import { drive, FAKE_TIMERS, track } from "../_testkit/drive.ts";
import { langsmithAdapter, segment } from "./index.ts";
import { answer, checkBatchRequest, type ReceivedRun } from "./vendor.testing.ts";

const KEY = "lsv2_sk_sdk_test";
const WORKSPACE = "7b1c7a5e-0000-4000-8000-000000000001";
const TRACE = "4bf92f3577b34da6a3ce929d0e0e4736";
const sid = (n: number) => n.toString(16).padStart(16, "0");

/** agent(1) → llm(2) asks for the weather tool → tool(3) → llm(4) answers. Export order: children end first. */
function agentTrace(): CanonicalSpan[] {
  const base = { project_id: "p", trace_id: TRACE, session_id: "conv-7", user_id: "ana" };
  const question = { role: "user", content: "Weather in Paris?" };
  const call = { id: "call_1", name: "get_weather", arguments: { city: "Paris" } };
  const llm1 = llmSpan({
    ...base,
    span_id: sid(2),
    parent_span_id: sid(1),
    startMs: 10,
    durationMs: 400,
    model: "gpt-4o-mini",
    provider: "openai",
    tokens: { input_tokens: 50, output_tokens: 12, cache_read_tokens: 32 },
    input: [question],
    output: [{ role: "assistant", tool_calls: [call] }],
  });
  const tool = makeSpan({ ...base, span_id: sid(3), parent_span_id: sid(1), name: "get_weather", kind: "tool", startMs: 420, durationMs: 200, input: { city: "Paris" }, output: "18°C, sunny" });
  const llm2 = llmSpan({
    ...base,
    span_id: sid(4),
    parent_span_id: sid(1),
    startMs: 630,
    durationMs: 500,
    model: "claude-sonnet-4",
    provider: "anthropic",
    tokens: { input_tokens: 80, output_tokens: 40, reasoning_tokens: 15 },
    input: [question, { role: "assistant", tool_calls: [call] }, { role: "tool", tool_call_id: "call_1", content: "18°C, sunny" }],
    output: [{ role: "assistant", content: "It is 18°C and sunny in Paris." }],
  });
  const agent = makeSpan({ ...base, span_id: sid(1), name: "weather-agent", kind: "agent", startMs: 0, durationMs: 1200, input: "Weather in Paris?", output: "It is 18°C and sunny in Paris.", tags: ["prod"] });
  return [llm1, tool, llm2, agent];
}

let server: ContractServer;
beforeEach(async () => {
  server = await startContractServer();
  server.setFallback((req) =>
    req.method === "GET" && req.path.endsWith("/info") ? { status: 200, headers: { "content-type": "application/json" }, body: '{"version":"0.10.0","batch_ingest_config":{"use_multipart_endpoint":false}}' } : answer(KEY)(req),
  );
});
afterEach(async () => {
  vi.useRealTimers();
  await server.close();
});

const adapter = () => langsmithAdapter("ls", { apiUrl: server.url, apiKey: KEY, project: "agents", workspaceId: WORKSPACE });
const send = (a: ReturnType<typeof adapter>, spans: CanonicalSpan[]) => a.client.send(a.mapper.map(spans), { signal: new AbortController().signal, attempt: 1 });
const received = (): ReceivedRun[] => server.requests.filter((r) => r.status === 202).flatMap((r) => checkBatchRequest(r, KEY).runs);
const bySpan = (runs: ReceivedRun[]) => new Map(runs.map((r) => [r.extra?.metadata?.tracerelay_span_id as string, r]));

/**
 * `agentStartMs`: the agent's time in its children's dotted_order. Exact (0) when the agent was in their
 * batch; otherwise approximated by the earliest child start of that batch (tree.ts).
 */
function expectAgentTree(runs: ReceivedRun[], agentStartMs = 0) {
  const r = bySpan(runs);
  const [agent, llm1, tool, llm2] = [1, 2, 3, 4].map((n) => r.get(sid(n))!);
  expect(agent.parent_run_id).toBeUndefined();
  expect(agent.dotted_order).toBe(segment(at(0), agent.id));
  const prefix = segment(at(agentStartMs), agent.id);
  for (const [child, startMs] of [
    [llm1, 10],
    [tool, 420],
    [llm2, 630],
  ] as const) {
    expect(child.trace_id).toBe(agent.id);
    expect(child.parent_run_id).toBe(agent.id);
    expect(child.dotted_order).toBe(`${prefix}.${segment(at(startMs), child.id)}`);
  }
  // Siblings sort by start in dotted_order, as LangSmith lists them.
  expect([llm2, tool, llm1].map((x) => x.dotted_order).sort()).toEqual([llm1, tool, llm2].map((x) => x.dotted_order));
  expect([agent, llm1, tool, llm2].map((x) => x.run_type)).toEqual(["chain", "llm", "tool", "llm"]);
  expect(new Set(runs.map((x) => x.session_name))).toEqual(new Set(["agents"]));
  expect(agent).toMatchObject({ name: "weather-agent", inputs: { input: "Weather in Paris?" }, outputs: { output: "It is 18°C and sunny in Paris." }, tags: ["prod"] });
  expect(agent.extra?.metadata).toMatchObject({ thread_id: "conv-7", user_id: "ana" });
  expect(llm1.outputs).toEqual({ messages: [{ role: "assistant", tool_calls: [{ id: "call_1", type: "function", function: { name: "get_weather", arguments: '{"city":"Paris"}' } }] }] });
  expect(llm1.extra?.metadata).toMatchObject({
    ls_provider: "openai",
    ls_model_name: "gpt-4o-mini",
    usage_metadata: { input_tokens: 50, output_tokens: 12, total_tokens: 62, input_token_details: { cache_read: 32 } },
  });
  expect(tool).toMatchObject({ inputs: { city: "Paris" }, outputs: { output: "18°C, sunny" }, start_time: at(420), end_time: at(620) });
  expect(llm2.inputs?.messages).toHaveLength(3);
  expect(llm2.outputs).toEqual({ messages: [{ role: "assistant", content: "It is 18°C and sunny in Paris." }] });
  expect(llm2.extra?.metadata).toMatchObject({
    ls_provider: "anthropic",
    ls_model_name: "claude-sonnet-4",
    usage_metadata: { input_tokens: 80, output_tokens: 40, total_tokens: 120, output_token_details: { reasoning: 15 } },
  });
}

describe("langsmith through the real SDK", () => {
  it("one batch: POST /runs/batch with our key and workspace, parents first, a consistent run tree", async () => {
    await send(adapter(), agentTrace());
    const posts = server.requests.filter((r) => r.method === "POST");
    expect(posts.map((r) => [r.path, r.status])).toEqual([["/runs/batch", 202]]);
    expect(posts[0].headers).toMatchObject({ "x-api-key": KEY, "x-tenant-id": WORKSPACE });
    expect(String(posts[0].headers["user-agent"])).toMatch(/^langsmith-js\//);
    const runs = received();
    expect(runs[0].extra?.metadata?.tracerelay_span_id).toBe(sid(1)); // the root before its children
    expectAgentTree(runs);
  });

  it("export order over two batches (children, then the agent): same ids and parents, agent time approximated", async () => {
    const a = adapter();
    const spans = agentTrace();
    await send(a, spans.slice(0, 3));
    await send(a, spans.slice(3));
    expect(server.requests.filter((r) => r.method === "POST").map((r) => r.status)).toEqual([202, 202]);
    expectAgentTree(received(), 10);
  });

  it("an error span carries LangSmith's error field", async () => {
    const failed = { ...agentTrace()[1], status: "error" as const, status_message: "weather API timed out" };
    await send(adapter(), [failed]);
    expect(received()[0]).toMatchObject({ run_type: "tool", error: "weather API timed out" });
  });

  it("concurrent sends each get their own outcome", async () => {
    const a = adapter();
    const [ok, bad] = [agentTrace().slice(0, 1), agentTrace().slice(1, 2)];
    server.setFallback((req) =>
      req.body.toString().includes(sid(3)) ? { status: 400, body: '{"detail":"rejected on purpose"}', delayMs: 30 } : { status: 202, body: "{}", delayMs: 5 },
    );
    const results = await Promise.allSettled([send(a, bad), send(a, ok)]);
    expect(results[0]).toMatchObject({ status: "rejected", reason: { code: "TR_DELIVERY_PERMANENT", status: 400 } });
    expect(results[1].status).toBe("fulfilled");
  });

  it("409 (runs already stored) counts as delivered", async () => {
    server.script({ status: 409, body: '{"detail":"run already exists"}' });
    await expect(send(adapter(), agentTrace())).resolves.toBeUndefined();
  });
});

describe("langsmith failures through the delivery helper", () => {
  beforeEach(() => {
    vi.useFakeTimers(FAKE_TIMERS);
  });

  const run = async (scripted: Parameters<ContractServer["script"]>) => {
    server.script(...scripted);
    const dlq = new InMemoryDeadLetterSink();
    const d = createDelivery(adapter(), resolveDeliveryOptions({ batch: { max_wait_ms: 10 }, retry: { initial_backoff_ms: 100 } }), { registry: new Registry(), deadLetters: dlq, random: () => 0.5 });
    const done = track(d.deliver(agentTrace()));
    await drive(d, server, () => done.done, { maxSimMs: 120_000 });
    expect(done.error).toBeUndefined();
    await d.close({ graceMs: 0 });
    return dlq;
  };

  it("a 4xx batch is dead-lettered at once as permanent, with LangSmith's message; the SDK sent it once", async () => {
    const dlq = await run([{ status: 422, headers: { "content-type": "application/json" }, body: '{"detail":"dotted_order must contain a single part for root runs"}' }]);
    expect(server.requests.map((r) => r.status)).toEqual([422]);
    expect(dlq.letters).toHaveLength(1);
    expect(dlq.letters[0].error).toMatchObject({ class: "permanent", code: "TR_DELIVERY_PERMANENT", status: 422 });
    expect(dlq.letters[0].error.message).toBe("not retryable: HTTP 422: dotted_order must contain a single part for root runs");
  });

  it("a 503 is retried by the helper (after Retry-After), not by the SDK, and then lands", async () => {
    const dlq = await run([{ status: 503, headers: { "retry-after": "20" }, body: '{"detail":"ingest overloaded"}' }]);
    expect(server.requests.map((r) => r.status)).toEqual([503, 202]);
    expect(server.requests[1].at - server.requests[0].at).toBeGreaterThanOrEqual(20_000);
    expect(dlq.letters).toEqual([]);
    expectAgentTree(received());
  });
});

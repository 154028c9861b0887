// The `openai` SDK talking to a local mock OpenAI server, instrumented by the two real instrumentation
// libraries, exporting with the OTLP protobuf exporter to tracerelay:
//   - @arizeai/openinference-instrumentation-openai (OpenInference: llm.*, flattened messages)
//   - @traceloop/instrumentation-openai (OpenLLMetry: gen_ai.* JSON messages)
// ESM imports are not auto-patched, so each case calls `manuallyInstrument`. The prototypes the
// instrumentations patch are restored after each case so the two never stack.
//
// One tool round (chat with tools → tool call; chat with the tool result → text) plus one streamed call,
// all under an app span. Token expectations come from the mock's usage: prompt_tokens includes cached
// tokens, so canonical input_tokens = prompt_tokens and cache_read_tokens = cached_tokens.
import { setSession, setUser } from "@arizeai/openinference-core";
import { OpenAIInstrumentation as OpenInferenceOpenAI } from "@arizeai/openinference-instrumentation-openai";
import { context, type Tracer } from "@opentelemetry/api";
import { OpenAIInstrumentation as TraceloopOpenAI } from "@traceloop/instrumentation-openai";
import OpenAI, * as openaiModule from "openai";
import type { ChatCompletionMessageParam, ChatCompletionTool } from "openai/resources/chat/completions";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { DEFAULT_ANSWER, type MockOpenAI, startMockOpenAI, TEXT_USAGE, TOOL_CALL_USAGE } from "./harness/mock-openai.ts";
import { installContextManager, tracerelayProvider } from "./harness/otel.ts";
import { type SpanView, startTracerelay, type Tracerelay, type TraceView } from "./harness/tracerelay.ts";

const MODEL = "gpt-4o-mini";
const QUESTION = "What is the weather in Paris?";
const TOOLS: ChatCompletionTool[] = [
  {
    type: "function",
    function: {
      name: "get_weather",
      description: "Current weather for a city",
      parameters: { type: "object", properties: { city: { type: "string" } }, required: ["city"] },
    },
  },
];

let tr: Tracerelay;
let mock: MockOpenAI;

// The methods both instrumentations wrap; restored after every case.
const patched: Array<[object, string]> = [
  [OpenAI.Chat.Completions.prototype, "create"],
  [OpenAI.Completions.prototype, "create"],
  [OpenAI.Embeddings.prototype, "create"],
  [OpenAI.Responses.prototype, "create"],
  [OpenAI.Images.prototype, "generate"],
  [OpenAI.Images.prototype, "edit"],
  [OpenAI.Images.prototype, "createVariation"],
];
const originals = patched.map(([proto, key]) => [proto, key, (proto as Record<string, unknown>)[key]] as const);

beforeAll(async () => {
  installContextManager();
  [tr, mock] = await Promise.all([startTracerelay(), startMockOpenAI()]);
});

afterEach(() => {
  for (const [proto, key, fn] of originals) (proto as Record<string, unknown>)[key] = fn;
});

afterAll(async () => {
  await Promise.all([tr?.close(), mock?.close()]);
});

interface RoundResult {
  traceId: string;
  appSpanId: string;
}

/** App span → chat (tool call) → chat (with tool result) → streamed chat. */
async function runToolRound(tracer: Tracer, client: OpenAI, wrap: <T>(fn: () => Promise<T>) => Promise<T>, appAttributes: Record<string, string> = {}): Promise<RoundResult> {
  return tracer.startActiveSpan("handle-weather-request", { attributes: appAttributes }, async (app) => {
    try {
      await wrap(async () => {
        const messages: ChatCompletionMessageParam[] = [{ role: "user", content: QUESTION }];
        const r1 = await client.chat.completions.create({ model: MODEL, messages, tools: TOOLS, temperature: 0.2 });
        const call = r1.choices[0].message.tool_calls?.[0];
        if (call?.type !== "function") throw new Error("mock did not answer with a tool call");
        messages.push(r1.choices[0].message as ChatCompletionMessageParam, { role: "tool", tool_call_id: call.id, content: JSON.stringify({ temp_c: 21 }) });
        const r2 = await client.chat.completions.create({ model: MODEL, messages, tools: TOOLS });
        expect(r2.choices[0].message.content).toBe(DEFAULT_ANSWER);
        const stream = await client.chat.completions.create({ model: MODEL, messages: [{ role: "user", content: "Say it again" }], stream: true, stream_options: { include_usage: true } });
        let text = "";
        for await (const chunk of stream) text += chunk.choices[0]?.delta?.content ?? "";
        expect(text).toBe(DEFAULT_ANSWER);
      });
    } finally {
      app.end();
    }
    return { traceId: app.spanContext().traceId, appSpanId: app.spanContext().spanId };
  });
}

/** The three LLM spans in call order. */
function llmSpans(t: TraceView): [SpanView, SpanView, SpanView] {
  const llm = t.spans.filter((s) => s.kind === "llm").sort((a, b) => a.start_time.localeCompare(b.start_time));
  expect(llm.map((s) => s.kind)).toEqual(["llm", "llm", "llm"]);
  return llm as [SpanView, SpanView, SpanView];
}

function commonAssertions(t: TraceView, round: RoundResult): [SpanView, SpanView, SpanView] {
  expect(t.spans).toHaveLength(4);
  const app = t.spans.find((s) => s.span_id === round.appSpanId);
  expect(app?.name).toBe("handle-weather-request");
  expect(app?.parent_span_id ?? null).toBeNull();
  const [s1, s2, s3] = llmSpans(t);
  const requests = mock.requests;
  expect(requests).toHaveLength(3);

  for (const s of [s1, s2, s3]) {
    expect(s.parent_span_id).toBe(round.appSpanId);
    expect(s.model).toBe(MODEL);
    expect(s.provider).toBe("openai");
  }
  // 1st call: the tool call the mock made, with its usage
  expect(s1.usage).toMatchObject({ input_tokens: TOOL_CALL_USAGE.prompt_tokens, output_tokens: TOOL_CALL_USAGE.completion_tokens, total_tokens: TOOL_CALL_USAGE.total_tokens });
  expect(s1.tool_calls).toEqual([{ id: requests[0].toolCallId, name: "get_weather", arguments: { city: "Paris" } }]);
  expect(s1.model_parameters?.temperature).toBe(0.2);
  // One spelling per finish reason: OpenInference says "tool_calls", OpenLLMetry "tool_call".
  expect(s1.stop_reason).toBe("tool_call");
  expect(Array.isArray(s1.input)).toBe(true);
  const in1 = s1.input as Array<Record<string, unknown>>;
  expect(in1).toHaveLength(1);
  expect(in1[0].role).toBe("user");
  expect(JSON.stringify(in1[0])).toContain(QUESTION);
  // 2nd call: user, assistant tool call, tool result → text
  expect(s2.usage).toMatchObject({ input_tokens: TEXT_USAGE.prompt_tokens, output_tokens: TEXT_USAGE.completion_tokens, total_tokens: TEXT_USAGE.total_tokens });
  expect(Array.isArray(s2.input)).toBe(true);
  expect((s2.input as Array<{ role: string }>).map((m) => m.role)).toEqual(["user", "assistant", "tool"]);
  expect(JSON.stringify(s2.output)).toContain(DEFAULT_ANSWER);
  expect(s2.stop_reason).toBe("stop");
  // 3rd call (stream): the text is recorded; neither library records stream usage, so no tokens.
  expect(JSON.stringify(s3.output)).toContain(DEFAULT_ANSWER);
  expect(s3.usage?.input_tokens ?? 0).toBe(0);

  // Totals: the two calls with usage, nothing from the app span.
  expect(t.total_input_tokens).toBe(TOOL_CALL_USAGE.prompt_tokens + TEXT_USAGE.prompt_tokens);
  expect(t.total_output_tokens).toBe(TOOL_CALL_USAGE.completion_tokens + TEXT_USAGE.completion_tokens);
  return [s1, s2, s3];
}

describe("openai SDK + instrumentation → OTLP/protobuf → /v1/traces", () => {
  it("@arizeai/openinference-instrumentation-openai: LLM spans with OpenInference attributes", async () => {
    mock.reset();
    const { provider, records } = tracerelayProvider({ url: tr.url, secretKey: tr.secretKey, exporter: "proto", processor: "simple", resource: { "service.name": "oi-e2e" } });
    const instrumentation = new OpenInferenceOpenAI({ tracerProvider: provider });
    instrumentation.manuallyInstrument(openaiModule as unknown as typeof OpenAI);
    const client = new OpenAI({ baseURL: mock.baseURL, apiKey: "sk-mock", maxRetries: 0 });
    const session = `sess-oi-${Date.now()}`;
    const user = "user-oi";
    // OpenInference's own way: session/user in the context, copied onto every span by the instrumentation.
    const wrap = <T>(fn: () => Promise<T>) => context.with(setUser(setSession(context.active(), { sessionId: session }), { userId: user }), fn);
    const round = await runToolRound(provider.getTracer("app"), client, wrap);
    await provider.forceFlush();
    await provider.shutdown();
    instrumentation.disable();
    expect(records.filter((r) => r.code !== 0)).toEqual([]);

    const t = await tr.waitForTrace(round.traceId, { spans: 4 });
    const [s1, s2, s3] = commonAssertions(t, round);
    // OpenInference reports cached and reasoning tokens: cached are part of input (not added on top).
    expect(s1.usage).toMatchObject({ cache_read_tokens: TOOL_CALL_USAGE.cached_tokens, reasoning_tokens: TOOL_CALL_USAGE.reasoning_tokens });
    expect(s2.usage).toMatchObject({ cache_read_tokens: TEXT_USAGE.cached_tokens, reasoning_tokens: TEXT_USAGE.reasoning_tokens });
    for (const s of [s1, s2, s3]) {
      expect(s.source).toEqual({ format: "otlp", convention: "openinference" });
      expect(s.session_id).toBe(session);
      expect(s.user_id).toBe(user);
      expect(s.service_name).toBe("oi-e2e");
    }
    expect(t.session_id).toBe(session);
    expect(t.user_id).toBe(user);
  });

  it("@traceloop/instrumentation-openai: LLM spans with OpenLLMetry (gen_ai.*) attributes", async () => {
    mock.reset();
    const { provider, records } = tracerelayProvider({ url: tr.url, secretKey: tr.secretKey, exporter: "proto", processor: "batch", resource: { "service.name": "ollm-e2e" } });
    const instrumentation = new TraceloopOpenAI();
    instrumentation.setTracerProvider(provider);
    instrumentation.manuallyInstrument(OpenAI);
    const client = new OpenAI({ baseURL: mock.baseURL, apiKey: "sk-mock", maxRetries: 0 });
    const session = `sess-ollm-${Date.now()}`;
    const user = "user-ollm";
    // Without the Traceloop SDK there are no association properties: the app span carries session/user.
    const round = await runToolRound(provider.getTracer("app"), client, (fn) => fn(), { "session.id": session, "user.id": user });
    await provider.forceFlush();
    await provider.shutdown();
    instrumentation.disable();
    expect(records.filter((r) => r.code !== 0)).toEqual([]);

    const t = await tr.waitForTrace(round.traceId, { spans: 4 });
    const [s1, s2] = commonAssertions(t, round);
    // OpenLLMetry JS 0.27 does not record cached/reasoning tokens for OpenAI; the totals must still be the inclusive ones.
    expect(s1.usage?.input_tokens).toBe(TOOL_CALL_USAGE.prompt_tokens);
    expect(s2.usage?.input_tokens).toBe(TEXT_USAGE.prompt_tokens);
    expect(t.session_id).toBe(session);
    expect(t.user_id).toBe(user);
    for (const s of t.spans) expect(s.service_name).toBe("ollm-e2e");
  });
});

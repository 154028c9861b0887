// The Vercel AI SDK (`ai`, 7.x) with @ai-sdk/openai against the mock OpenAI server.
//
// In ai 7 the SDK itself no longer creates OpenTelemetry spans: `experimental_telemetry` (now `telemetry`)
// only feeds telemetry *integrations*, and the OpenTelemetry integrations live in the separate package
// `@ai-sdk/otel` (`OpenTelemetry`: gen_ai.* spans invoke_agent → step → chat / execute_tool;
// `LegacyOpenTelemetry`: the old ai.* spans). So:
//   1. always: prove what the installed `ai` really emits with telemetry enabled and no integration —
//      nothing — while the tool round itself works (if this starts failing, ai emits spans again and the
//      next case should be extended to cover them);
//   2. with `@ai-sdk/otel` (a dev dependency): the full round-trip through tracerelay — tree, kinds, tokens,
//      session/user from runtime context, and trace totals that count the model calls once (the
//      invoke_agent root and the step spans repeat the usage of their chat children).
import { createOpenAI } from "@ai-sdk/openai";
import { context, trace } from "@opentelemetry/api";
import { InMemorySpanExporter, NodeTracerProvider, SimpleSpanProcessor } from "@opentelemetry/sdk-trace-node";
import { OpenTelemetry } from "@ai-sdk/otel";
import { generateText, jsonSchema, stepCountIs, tool } from "ai";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DEFAULT_ANSWER, type MockOpenAI, startMockOpenAI, TEXT_USAGE, TOOL_CALL_USAGE } from "./harness/mock-openai.ts";
import { installContextManager, tracerelayProvider } from "./harness/otel.ts";
import { startTracerelay, type Tracerelay } from "./harness/tracerelay.ts";

const MODEL = "gpt-4o-mini";
const QUESTION = "What is the weather in Paris?";


let mock: MockOpenAI;
let tr: Tracerelay;

beforeAll(async () => {
  installContextManager();
  mock = await startMockOpenAI();
  tr = await startTracerelay();
});

afterAll(async () => {
  await Promise.all([mock?.close(), tr?.close()]);
});

function weatherTool(calls: string[]) {
  return tool({
    description: "Current weather for a city",
    inputSchema: jsonSchema<{ city: string }>({ type: "object", properties: { city: { type: "string" } }, required: ["city"] }),
    execute: async ({ city }) => {
      calls.push(city);
      return { city, temp_c: 21, sky: "sunny" };
    },
  });
}

describe("ai 7 + @ai-sdk/openai", () => {
  it("experimental_telemetry without an integration: the tool round works and no OpenTelemetry span is created", async () => {
    mock.reset();
    const exporter = new InMemorySpanExporter();
    const provider = new NodeTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] });
    const registered = trace.setGlobalTracerProvider(provider);
    try {
      const calls: string[] = [];
      const openai = createOpenAI({ baseURL: mock.baseURL, apiKey: "x" });
      const result = await generateText({
        model: openai(MODEL),
        prompt: QUESTION,
        tools: { get_weather: weatherTool(calls) },
        stopWhen: stepCountIs(3),
        experimental_telemetry: { isEnabled: true, functionId: "weather-fn" },
      });
      expect(result.text).toBe(DEFAULT_ANSWER);
      expect(calls).toEqual(["Paris"]);
      expect(mock.requests.map((r) => `${r.path}:${r.answer}`)).toEqual(["/v1/responses:tool_call", "/v1/responses:text"]);
      expect(result.totalUsage.inputTokens).toBe(TOOL_CALL_USAGE.prompt_tokens + TEXT_USAGE.prompt_tokens);
      await provider.forceFlush();
      // ai 7 core emits nothing to OpenTelemetry by itself (telemetry moved to @ai-sdk/otel).
      expect(exporter.getFinishedSpans().map((s) => s.name)).toEqual([]);
    } finally {
      if (registered) trace.disable();
      await provider.shutdown();
    }
  });

  it("with @ai-sdk/otel OpenTelemetry integration: invoke_agent → chat / execute_tool through tracerelay, totals counted once", async () => {
    const relay = tr;
    mock.reset();
    const { provider, records } = tracerelayProvider({ url: relay.url, secretKey: relay.secretKey, exporter: "proto", processor: "simple", resource: { "service.name": "vercel-e2e" } });
    const tracer = provider.getTracer("ai");
    const integration = new OpenTelemetry({ tracer, runtimeContext: true });
    const session = `sess-vercel-${Date.now()}`;
    const user = "user-vercel";
    const calls: string[] = [];
    const openai = createOpenAI({ baseURL: mock.baseURL, apiKey: "x" });
    // A parent span owned by the test gives the trace id the AI SDK spans join.
    const parent = tracer.startSpan("vercel-request");
    const traceId = parent.spanContext().traceId;
    const result = await context.with(trace.setSpan(context.active(), parent), () =>
      generateText({
        model: openai.chat(MODEL),
        prompt: QUESTION,
        tools: { get_weather: weatherTool(calls) },
        stopWhen: stepCountIs(3),
        runtimeContext: { sessionId: session, userId: user },
        experimental_telemetry: {
          isEnabled: true,
          functionId: "weather-fn",
          includeRuntimeContext: { sessionId: true, userId: true },
          integrations: [integration as never],
        },
      }),
    );
    parent.end();
    expect(result.text).toBe(DEFAULT_ANSWER);
    await provider.forceFlush();
    await provider.shutdown();
    expect(records.filter((r) => r.code !== 0)).toEqual([]);

    const t = await relay.waitForTrace(traceId, { spans: 4, until: (tv) => tv.spans.filter((s) => s.kind === "llm").length >= 2 });
    const llm = t.spans.filter((s) => s.kind === "llm").sort((a, b) => a.start_time.localeCompare(b.start_time));
    expect(llm).toHaveLength(2);
    expect(llm[0].usage).toMatchObject({ input_tokens: TOOL_CALL_USAGE.prompt_tokens, output_tokens: TOOL_CALL_USAGE.completion_tokens, cache_read_tokens: TOOL_CALL_USAGE.cached_tokens });
    expect(llm[1].usage).toMatchObject({ input_tokens: TEXT_USAGE.prompt_tokens, output_tokens: TEXT_USAGE.completion_tokens, cache_read_tokens: TEXT_USAGE.cached_tokens });
    for (const s of llm) {
      expect(s.model).toBe(MODEL);
      expect(s.provider).toBe("openai");
    }
    expect(llm[0].tool_calls).toEqual([{ id: mock.requests[0].toolCallId, name: "get_weather", arguments: { city: "Paris" } }]);

    const agent = t.spans.find((s) => s.kind === "agent");
    expect(agent?.name).toMatch(/^invoke_agent /);
    expect(agent?.parent_span_id).toBe(parent.spanContext().spanId);
    const tools = t.spans.filter((s) => s.kind === "tool");
    expect(tools.map((s) => s.name)).toEqual(["execute_tool get_weather"]);
    // Every model call and tool span hangs somewhere under the agent span.
    const byId = new Map(t.spans.map((s) => [s.span_id, s]));
    const underAgent = (id: string | null | undefined): boolean => {
      for (let cur = id ? byId.get(id) : undefined; cur; cur = cur.parent_span_id ? byId.get(cur.parent_span_id) : undefined) if (cur === agent) return true;
      return false;
    };
    for (const s of [...llm, ...tools]) expect(underAgent(s.parent_span_id)).toBe(true);

    // Roll-ups (invoke_agent, step N) are not counted again.
    expect(t.total_input_tokens).toBe(TOOL_CALL_USAGE.prompt_tokens + TEXT_USAGE.prompt_tokens);
    expect(t.total_output_tokens).toBe(TOOL_CALL_USAGE.completion_tokens + TEXT_USAGE.completion_tokens);
    expect(t.session_id).toBe(session);
    expect(t.user_id).toBe(user);
  });
});

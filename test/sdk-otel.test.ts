// The OpenTelemetry JS SDK as a client: NodeTracerProvider + the real OTLP exporters (protobuf and
// JSON, with and without gzip) send an OTel GenAI agent trace to tracerelay's /v1/traces; the trace read
// back through the API must have the same tree, kinds, models, tokens, session, user and resource.
//
// The trace is the OTel GenAI "agent" shape: invoke_agent (aggregate usage, a roll-up) parenting
// chat → execute_tool → chat. Trace totals must count the two chat calls only.
import { ROOT_CONTEXT, type Span, SpanKind, type Tracer, trace } from "@opentelemetry/api";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type ExporterKind, listItems, microIso, tracerelayProvider } from "./harness/otel.ts";
import { startTracerelay, type Tracerelay } from "./harness/tracerelay.ts";

const MODEL = "gpt-4o-mini";
const USER_QUESTION = "What is the weather in Paris?";
const ANSWER = "It is 21 degrees and sunny in Paris.";
const CHAT1 = { input: 120, output: 30, cacheRead: 40 };
const CHAT2 = { input: 210, output: 24, cacheRead: 64 };

let tr: Tracerelay;

beforeAll(async () => {
  tr = await startTracerelay();
});

afterAll(async () => {
  await tr?.close();
});

interface Emitted {
  traceId: string;
  agentId: string;
  chat1Id: string;
  toolId: string;
  chat2Id: string;
  t0: number;
}

/** Emits the agent trace with explicit parents and times (no global context needed). */
function emitAgentTrace(tracer: Tracer, session: string, user: string): Emitted {
  const t0 = Date.now() - 5_000;
  const agent = tracer.startSpan(
    "invoke_agent weather-agent",
    {
      kind: SpanKind.INTERNAL,
      startTime: t0,
      attributes: {
        "gen_ai.operation.name": "invoke_agent",
        "gen_ai.agent.name": "weather-agent",
        "gen_ai.provider.name": "openai",
        "gen_ai.request.model": MODEL,
        // The spec allows the agent span to carry the SUM of its children: a roll-up, not new usage.
        "gen_ai.usage.input_tokens": CHAT1.input + CHAT2.input,
        "gen_ai.usage.output_tokens": CHAT1.output + CHAT2.output,
        "session.id": session,
        "user.id": user,
      },
    },
    ROOT_CONTEXT,
  );
  const agentCtx = trace.setSpan(ROOT_CONTEXT, agent);
  const child = (name: string, kind: SpanKind, start: number, attributes: Record<string, string | number | string[]>): Span =>
    tracer.startSpan(name, { kind, startTime: start, attributes }, agentCtx);

  const chat1 = child(`chat ${MODEL}`, SpanKind.CLIENT, t0 + 10, {
    "gen_ai.operation.name": "chat",
    "gen_ai.provider.name": "openai",
    "gen_ai.request.model": MODEL,
    "gen_ai.response.model": MODEL,
    "gen_ai.request.temperature": 0.2,
    "gen_ai.request.max_tokens": 256,
    "gen_ai.usage.input_tokens": CHAT1.input,
    "gen_ai.usage.output_tokens": CHAT1.output,
    "gen_ai.usage.cache_read.input_tokens": CHAT1.cacheRead,
    "gen_ai.response.finish_reasons": ["tool_call"],
    "gen_ai.input.messages": JSON.stringify([{ role: "user", parts: [{ type: "text", content: USER_QUESTION }] }]),
    "gen_ai.output.messages": JSON.stringify([
      { role: "assistant", parts: [{ type: "tool_call", id: "call_1", name: "get_weather", arguments: { city: "Paris" } }], finish_reason: "tool_call" },
    ]),
  });
  chat1.end(t0 + 400);

  const tool = child("execute_tool get_weather", SpanKind.INTERNAL, t0 + 410, {
    "gen_ai.operation.name": "execute_tool",
    "gen_ai.tool.name": "get_weather",
    "gen_ai.tool.call.id": "call_1",
    "gen_ai.tool.type": "function",
    "gen_ai.tool.call.arguments": JSON.stringify({ city: "Paris" }),
    "gen_ai.tool.call.result": JSON.stringify({ temp_c: 21, sky: "sunny" }),
  });
  tool.end(t0 + 450);

  const chat2 = child(`chat ${MODEL}`, SpanKind.CLIENT, t0 + 460, {
    "gen_ai.operation.name": "chat",
    "gen_ai.provider.name": "openai",
    "gen_ai.request.model": MODEL,
    "gen_ai.response.model": MODEL,
    "gen_ai.usage.input_tokens": CHAT2.input,
    "gen_ai.usage.output_tokens": CHAT2.output,
    "gen_ai.usage.cache_read.input_tokens": CHAT2.cacheRead,
    "gen_ai.response.finish_reasons": ["stop"],
    "gen_ai.input.messages": JSON.stringify([
      { role: "user", parts: [{ type: "text", content: USER_QUESTION }] },
      { role: "assistant", parts: [{ type: "tool_call", id: "call_1", name: "get_weather", arguments: { city: "Paris" } }] },
      { role: "tool", parts: [{ type: "tool_call_response", id: "call_1", response: { temp_c: 21, sky: "sunny" } }] },
    ]),
    "gen_ai.output.messages": JSON.stringify([{ role: "assistant", parts: [{ type: "text", content: ANSWER }], finish_reason: "stop" }]),
  });
  chat2.end(t0 + 900);
  agent.end(t0 + 950);

  return {
    traceId: agent.spanContext().traceId,
    agentId: agent.spanContext().spanId,
    chat1Id: chat1.spanContext().spanId,
    toolId: tool.spanContext().spanId,
    chat2Id: chat2.spanContext().spanId,
    t0,
  };
}

const cases: Array<{ title: string; exporter: ExporterKind; gzip: boolean; processor: "simple" | "batch" }> = [
  { title: "exporter-trace-otlp-proto, SimpleSpanProcessor", exporter: "proto", gzip: false, processor: "simple" },
  { title: "exporter-trace-otlp-http (JSON), BatchSpanProcessor", exporter: "http-json", gzip: false, processor: "batch" },
  { title: "exporter-trace-otlp-proto, gzip, BatchSpanProcessor", exporter: "proto", gzip: true, processor: "batch" },
  { title: "exporter-trace-otlp-http (JSON), gzip, SimpleSpanProcessor", exporter: "http-json", gzip: true, processor: "simple" },
];

describe("OpenTelemetry SDK → /v1/traces", () => {
  it.each(cases)("$title: agent trace with GenAI attributes round-trips", async ({ exporter, gzip, processor }) => {
    const tag = `${exporter}${gzip ? "-gzip" : ""}-${processor}`;
    const session = `sess-otel-${tag}-${Date.now()}`;
    const user = `user-otel-${tag}`;
    const { provider, records } = tracerelayProvider({
      url: tr.url,
      secretKey: tr.secretKey,
      exporter,
      gzip,
      processor,
      resource: { "service.name": "otel-e2e-svc", "deployment.environment.name": "staging", "service.version": "1.2.3" },
    });
    const e = emitAgentTrace(provider.getTracer("e2e-otel", "1.0.0"), session, user);
    await provider.forceFlush();
    await provider.shutdown();

    // The server accepted every export (the SDK would only log a failure).
    expect(records.length).toBeGreaterThan(0);
    expect(records.filter((r) => r.code !== 0)).toEqual([]);
    expect(records.reduce((n, r) => n + r.spans, 0)).toBe(4);

    const t = await tr.waitForTrace(e.traceId, { spans: 4 });
    expect(t.trace_id).toBe(e.traceId);
    expect(t.spans).toHaveLength(4);
    expect(new Set(t.spans.map((s) => s.span_id))).toEqual(new Set([e.agentId, e.chat1Id, e.toolId, e.chat2Id]));
    const byId = new Map(t.spans.map((s) => [s.span_id, s]));
    const agent = byId.get(e.agentId)!;
    const chat1 = byId.get(e.chat1Id)!;
    const tool = byId.get(e.toolId)!;
    const chat2 = byId.get(e.chat2Id)!;

    // Tree
    expect(agent.parent_span_id ?? null).toBeNull();
    expect(chat1.parent_span_id).toBe(e.agentId);
    expect(tool.parent_span_id).toBe(e.agentId);
    expect(chat2.parent_span_id).toBe(e.agentId);

    // Kinds and names
    expect(agent.kind).toBe("agent");
    expect(chat1.kind).toBe("llm");
    expect(chat2.kind).toBe("llm");
    expect(tool.kind).toBe("tool");
    expect(agent.name).toBe("invoke_agent weather-agent");
    expect(tool.name).toBe("execute_tool get_weather");

    // Model, provider, parameters
    for (const chat of [chat1, chat2]) {
      expect(chat.model).toBe(MODEL);
      expect(chat.provider).toBe("openai");
      expect(chat.source).toEqual({ format: "otlp", convention: "gen_ai" });
    }
    expect(chat1.model_parameters?.temperature).toBe(0.2);
    expect(chat1.model_parameters?.max_tokens).toBe(256);

    // Tokens: input_tokens already includes cached ones (OTel SHOULD semantics), cache is a part of it.
    expect(chat1.usage).toMatchObject({ input_tokens: CHAT1.input, output_tokens: CHAT1.output, cache_read_tokens: CHAT1.cacheRead });
    expect(chat2.usage).toMatchObject({ input_tokens: CHAT2.input, output_tokens: CHAT2.output, cache_read_tokens: CHAT2.cacheRead });
    // Roll-up parent is not counted again in the trace totals.
    expect(t.total_input_tokens).toBe(CHAT1.input + CHAT2.input);
    expect(t.total_output_tokens).toBe(CHAT1.output + CHAT2.output);
    if (t.span_count !== undefined) expect(t.span_count).toBe(4);

    // Messages kept as messages; tool call parsed out of the output messages.
    expect(Array.isArray(chat1.input)).toBe(true);
    const firstIn = (chat1.input as Array<Record<string, unknown>>)[0];
    expect(firstIn.role).toBe("user");
    expect(JSON.stringify(firstIn)).toContain(USER_QUESTION);
    expect(chat1.tool_calls).toEqual([{ id: "call_1", name: "get_weather", arguments: { city: "Paris" } }]);
    expect(chat1.stop_reason).toBe("tool_call");
    expect(chat2.stop_reason).toBe("stop");
    expect(Array.isArray(chat2.input)).toBe(true);
    expect((chat2.input as unknown[]).length).toBe(3);
    expect(JSON.stringify(chat2.output)).toContain(ANSWER);
    expect(JSON.stringify(tool.input)).toContain("Paris");
    expect(JSON.stringify(tool.output)).toContain("sunny");

    // Times (microsecond RFC 3339, from the SDK's explicit start/end)
    expect(chat1.start_time).toBe(microIso(e.t0 + 10));
    expect(chat1.end_time).toBe(microIso(e.t0 + 400));
    expect(chat1.duration_ms).toBe(390);

    // Context: session and user (set on the root span), resource attributes on every span
    expect(t.session_id).toBe(session);
    expect(t.user_id).toBe(user);
    expect(agent.session_id).toBe(session);
    expect(agent.user_id).toBe(user);
    for (const s of t.spans) {
      expect(s.service_name).toBe("otel-e2e-svc");
      expect(s.environment).toBe("staging");
      expect(s.release).toBe("1.2.3");
      expect(s.project_id).toBe("default");
    }

    // The session filter finds the trace.
    const list = await tr.api(`/api/v1/traces?session_id=${encodeURIComponent(session)}`);
    expect(list.status).toBe(200);
    expect(listItems<{ trace_id: string }>(list.json).map((x) => x.trace_id)).toEqual([e.traceId]);
  });
});

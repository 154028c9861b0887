import { describe, expect, it } from "vitest";
import { decodeOtlpTraces } from "../../services/ingest/otlp/index.ts";
import { normalizeOtlp } from "../../services/ingest/normalizers/index.ts";
import type { CanonicalSpan } from "../span/types.ts";
import { llmSpan, makeSpan, spanIdOf, traceIdOf } from "../store/testing.ts";
import { bodyBytes, encodeOtlpTraces, type OtlpBody } from "./encode.ts";
import { ExportTraceServiceRequest } from "./proto.ts";

const TRACE = traceIdOf(7);
const base = { project_id: "proj-1", trace_id: TRACE };

/** Feeds an encoded body to tracerelay's own OTLP ingest (decode + normalizers), as POST /v1/traces does. */
function ingest(body: OtlpBody, projectId = "proj-1"): CanonicalSpan[] {
  const { spans, rejected } = normalizeOtlp(decodeOtlpTraces(bodyBytes(body), body.contentType), { projectId, format: "otlp" });
  expect(rejected).toEqual([]);
  return spans;
}

type Wire = { resourceSpans: Array<{ resource: { attributes: KV[] }; scopeSpans: Array<{ scope: { name: string }; spans: WireSpan[] }> }> };
type KV = { key: string; value: Record<string, unknown> };
type WireSpan = Record<string, unknown> & { attributes: KV[] };
const attr = (kvs: KV[], key: string) => kvs.find((kv) => kv.key === key)?.value;

const chat = llmSpan({
  ...base,
  span_id: spanIdOf(2),
  parent_span_id: spanIdOf(1),
  startMs: 1000,
  durationMs: 1234.567,
  service_name: "checkout",
  environment: "prod",
  release: "1.2.3",
  session_id: "sess-9",
  user_id: "user-4",
  model: "claude-sonnet-4",
  provider: "anthropic",
  model_parameters: { temperature: 1, max_tokens: 512, top_p: 0.9, choice_count: 2, stop_sequences: ["END"] },
  tokens: { input_tokens: 1200, output_tokens: 300, total_tokens: 1500, cache_read_tokens: 1000, cache_write_tokens: 100, reasoning_tokens: 50 },
  input: [
    { role: "system", content: "You are terse." },
    { role: "user", content: "weather in Paris?" },
    { role: "assistant", tool_calls: [{ id: "call_1", name: "weather", arguments: { city: "Paris" } }] },
    { role: "tool", tool_call_id: "call_1", content: { temp: 21 } },
  ],
  output: [{ role: "assistant", content: "21 °C and sunny." }],
  thinking: "The tool said 21.",
  stop_reason: "stop",
  first_token_ms: 250,
  status: "error",
  status_message: "upstream cut the stream",
  attributes: { "app.tier": "gold", "gen_ai.request.model": "overridden-by-canonical" },
  events: [{ name: "retry", time: "2026-03-01T10:00:01.500000Z", attributes: { attempt: 2 } }],
});

describe("encodeOtlpTraces → tracerelay's own OTLP ingest", () => {
  it.each(["protobuf", "json"] as const)("round-trips the canonical fields (%s)", (format) => {
    const body = encodeOtlpTraces([chat], format);
    expect(body.contentType).toBe(format === "json" ? "application/json" : "application/x-protobuf");
    const [back] = ingest(body);
    const fields = [
      "trace_id", "span_id", "parent_span_id", "project_id", "name", "kind", "start_time", "end_time", "duration_ms", "status",
      "status_message", "session_id", "user_id", "environment", "release", "service_name", "model", "provider", "model_parameters",
      "input", "output", "usage", "stop_reason", "first_token_ms", "thinking",
    ] as const;
    for (const f of fields) expect({ [f]: back[f] }).toEqual({ [f]: chat[f] });
    expect(back.source).toEqual({ format: "otlp", convention: "gen_ai" });
    expect(back.attributes).toMatchObject({ "app.tier": "gold", "error.type": "_OTHER" });
    expect(back.events).toEqual(chat.events);
  });

  it("round-trips agent, tool, retrieval, embedding and chain spans", () => {
    const spans = [
      makeSpan({ ...base, span_id: spanIdOf(10), kind: "agent", name: "invoke_agent planner", input: "plan a trip", output: "done" }),
      makeSpan({ ...base, span_id: spanIdOf(11), parent_span_id: spanIdOf(10), kind: "tool", name: "execute_tool weather", tool_calls: [{ id: "call_7", name: "weather" }], input: { city: "Oslo" }, output: { temp: -3 } }),
      makeSpan({ ...base, span_id: spanIdOf(12), parent_span_id: spanIdOf(10), kind: "retrieval", name: "retrieval docs", input: "fjords", output: [{ id: "d1", score: 0.8 }] }),
      makeSpan({ ...base, span_id: spanIdOf(13), parent_span_id: spanIdOf(10), kind: "embedding", name: "embeddings", model: "text-embedding-3-small", provider: "openai", usage: { input_tokens: 8 } }),
      makeSpan({ ...base, span_id: spanIdOf(14), parent_span_id: spanIdOf(10), kind: "chain", name: "workflow", input: { query: "x" } }),
    ];
    const back = ingest(encodeOtlpTraces(spans, "protobuf"));
    expect(back.map((s) => s.kind)).toEqual(["agent", "tool", "retrieval", "embedding", "chain"]);
    expect(back[1]).toMatchObject({ input: { city: "Oslo" }, output: { temp: -3 }, attributes: { "gen_ai.tool.name": "weather", "gen_ai.tool.call.id": "call_7" } });
    expect(back[2]).toMatchObject({ input: "fjords", output: [{ id: "d1", score: 0.8 }] });
    expect(back[3]).toMatchObject({ model: "text-embedding-3-small", provider: "openai", usage: { input_tokens: 8 } });
    expect(back.slice(1).every((s) => s.parent_span_id === spanIdOf(10))).toBe(true);
    // Not chat-shaped: sent as one text message (JSON as text), so it returns as a message.
    expect(back[0]).toMatchObject({ input: [{ role: "user", content: "plan a trip" }], output: [{ role: "assistant", content: "done" }] });
    expect(back[4].input).toEqual([{ role: "user", content: '{"query":"x"}' }]);
  });
});

describe("encodeOtlpTraces: wire shape", () => {
  const other = makeSpan({ ...base, span_id: spanIdOf(3), service_name: "billing", kind: "tool", name: "lookup" });

  it("groups spans by resource: service.name, deployment.environment.name, service.version, tracerelay.project_id", () => {
    const wire = JSON.parse(encodeOtlpTraces([chat, other, { ...chat, span_id: spanIdOf(4) }], "json").body as string) as Wire;
    expect(wire.resourceSpans).toHaveLength(2);
    const [first, second] = wire.resourceSpans;
    expect(first.resource.attributes).toEqual([
      { key: "service.name", value: { stringValue: "checkout" } },
      { key: "deployment.environment.name", value: { stringValue: "prod" } },
      { key: "service.version", value: { stringValue: "1.2.3" } },
      { key: "tracerelay.project_id", value: { stringValue: "proj-1" } },
    ]);
    expect(first.scopeSpans[0].spans).toHaveLength(2);
    expect(attr(second.resource.attributes, "service.name")).toEqual({ stringValue: "billing" });
    expect(attr(second.resource.attributes, "deployment.environment.name")).toBeUndefined();
  });

  it("JSON follows the OTLP/JSON mapping: hex ids, integer enums, int64 as strings, lowerCamelCase", () => {
    const wire = JSON.parse(encodeOtlpTraces([chat], "json").body as string) as Wire;
    const span = wire.resourceSpans[0].scopeSpans[0].spans[0];
    expect(span).toMatchObject({
      traceId: TRACE,
      spanId: spanIdOf(2),
      parentSpanId: spanIdOf(1),
      kind: 3, // CLIENT: a model call
      startTimeUnixNano: String(Date.parse("2026-03-01T10:00:01Z") * 1e6),
      endTimeUnixNano: "1772359202234567000",
      status: { code: 2, message: "upstream cut the stream" },
      events: [{ name: "retry", timeUnixNano: "1772359201500000000", attributes: [{ key: "attempt", value: { intValue: "2" } }] }],
    });
    expect(attr(span.attributes, "gen_ai.usage.input_tokens")).toEqual({ intValue: "1200" });
    expect(attr(span.attributes, "gen_ai.request.temperature")).toEqual({ doubleValue: 1 });
    expect(attr(span.attributes, "gen_ai.request.stop_sequences")).toEqual({ arrayValue: { values: [{ stringValue: "END" }] } });
    expect(attr(span.attributes, "gen_ai.request.choice.count")).toEqual({ intValue: "2" });
    expect(wire.resourceSpans[0].scopeSpans[0].scope).toEqual({ name: "tracerelay" });
  });

  it("writes the current GenAI names, canonical fields over the span's attributes, caller attributes over both", () => {
    const body = encodeOtlpTraces([chat], "json", {
      spanAttributes: (s) => ({ "langfuse.session.id": s.session_id ?? undefined, "gen_ai.provider.name": "override", dropped: undefined }),
    });
    const kvs = (JSON.parse(body.body as string) as Wire).resourceSpans[0].scopeSpans[0].spans[0].attributes;
    const value = (key: string) => {
      const v = attr(kvs, key);
      return v && Object.values(v)[0];
    };
    expect(value("gen_ai.operation.name")).toBe("chat");
    expect(value("gen_ai.provider.name")).toBe("override");
    expect(value("gen_ai.request.model")).toBe("claude-sonnet-4");
    expect(value("gen_ai.response.model")).toBe("claude-sonnet-4");
    expect(value("gen_ai.conversation.id")).toBe("sess-9");
    expect(value("user.id")).toBe("user-4");
    expect(value("langfuse.session.id")).toBe("sess-9");
    expect(value("gen_ai.usage.cache_read.input_tokens")).toBe("1000");
    expect(value("gen_ai.usage.cache_creation.input_tokens")).toBe("100");
    expect(value("gen_ai.usage.reasoning.output_tokens")).toBe("50");
    expect(value("gen_ai.response.time_to_first_chunk")).toBe(0.25);
    expect(value("gen_ai.response.finish_reasons")).toEqual({ values: [{ stringValue: "stop" }] });
    expect(value("error.type")).toBe("_OTHER");
    expect(value("app.tier")).toBe("gold");
    expect(kvs.some((kv) => kv.key === "dropped")).toBe(false);
    expect(JSON.parse(value("gen_ai.system_instructions") as string)).toEqual([{ type: "text", content: "You are terse." }]);
    expect(JSON.parse(value("gen_ai.input.messages") as string)).toEqual([
      { role: "user", parts: [{ type: "text", content: "weather in Paris?" }] },
      { role: "assistant", parts: [{ type: "tool_call", id: "call_1", name: "weather", arguments: { city: "Paris" } }] },
      { role: "tool", parts: [{ type: "tool_call_response", id: "call_1", response: { temp: 21 } }] },
    ]);
    expect(JSON.parse(value("gen_ai.output.messages") as string)).toEqual([
      {
        role: "assistant",
        parts: [
          { type: "reasoning", content: "The tool said 21." },
          { type: "text", content: "21 °C and sunny." },
        ],
        finish_reason: "stop",
      },
    ]);
  });

  it("protobuf and JSON carry the same request", () => {
    const spans = [chat, other];
    const fromProto = ExportTraceServiceRequest.toObject(ExportTraceServiceRequest.decode(encodeOtlpTraces(spans, "protobuf").body as Uint8Array), {
      longs: String,
      bytes: String,
      enums: Number,
    });
    const fromJson = JSON.parse(encodeOtlpTraces(spans, "json").body as string) as Wire;
    // protobufjs renders bytes as base64; the JSON mapping uses hex for ids.
    const hex = (b64: string) => Buffer.from(b64, "base64").toString("hex");
    const protoSpan = fromProto.resourceSpans[0].scopeSpans[0].spans[0];
    const jsonSpan = fromJson.resourceSpans[0].scopeSpans[0].spans[0];
    expect([hex(protoSpan.traceId), hex(protoSpan.spanId), hex(protoSpan.parentSpanId)]).toEqual([jsonSpan.traceId, jsonSpan.spanId, jsonSpan.parentSpanId]);
    expect(protoSpan.startTimeUnixNano).toBe(jsonSpan.startTimeUnixNano);
    expect(protoSpan.attributes).toEqual(jsonSpan.attributes);
    expect(fromProto.resourceSpans[1].resource).toEqual(fromJson.resourceSpans[1].resource);
  });

  it("keeps the original OTel SpanKind of a span that came in over OTLP; INTERNAL for in-process kinds", () => {
    const server = makeSpan({ ...base, span_id: spanIdOf(5), attributes: { "otel.span_kind": "server" } });
    const wire = JSON.parse(encodeOtlpTraces([server, other], "json").body as string) as Wire;
    expect(wire.resourceSpans.flatMap((r) => r.scopeSpans[0].spans.map((s) => s.kind))).toEqual([2, 1]);
  });

  it("writes an open span (no end time) as ending at its start, and no parent for a root", () => {
    const open = makeSpan({ ...base, span_id: spanIdOf(6), end_time: null });
    const span = (JSON.parse(encodeOtlpTraces([open], "json").body as string) as Wire).resourceSpans[0].scopeSpans[0].spans[0];
    expect(span.endTimeUnixNano).toBe(span.startTimeUnixNano);
    expect(span).not.toHaveProperty("parentSpanId");
    expect(span.status).toEqual({ code: 1 });
  });
});

// OTel mode (`POST /api/public/otel/v1/traces`): compliance suite through the OTLP mapper and client,
// the protobuf Langfuse receives (langfuse.* attributes, Basic auth, ingestion-version header), and a
// round trip through tracerelay's own OTLP ingest (decoder + normalizers, which read langfuse.* like
// Langfuse does): the canonical fields must survive.
import { LangfuseOtelSpanAttributes } from "@langfuse/core";
import { describe, expect, it } from "vitest";
import type { CanonicalSpan } from "../../lib/span/types.ts";
import { makeSpan } from "../../lib/store/testing.ts";
import { decodeOtlpTraces } from "../../services/ingest/otlp/index.ts";
import type { OtlpExportRequest, OtlpSpan } from "../../services/ingest/otlp/types.ts";
import { normalizeOtlp } from "../../services/ingest/normalizers/index.ts";
import { destinationComplianceSuite } from "../_testkit/compliance.ts";
import { type ReceivedRequest, startContractServer } from "../_testkit/contract-server.ts";
import { basicAuth } from "./http.ts";
import { generation, root, TRACE, tool } from "./testing.ts";
import { INGESTION_VERSION_HEADER, langfuseAdapter, langfuseAttributes, langfuseModule, mapOtel, OTEL_PATH, parseLangfuseConfig } from "./index.ts";

const KEYS = { publicKey: "pk-lf-otel", secretKey: "sk-lf-otel" };

/** What Langfuse receives: checks path, auth and headers, decodes the protobuf export. */
function receive(req: ReceivedRequest): OtlpExportRequest {
  expect(req.method).toBe("POST");
  expect(req.path).toBe(OTEL_PATH);
  expect(req.headers.authorization).toBe(basicAuth(KEYS.publicKey, KEYS.secretKey));
  expect(req.headers[INGESTION_VERSION_HEADER]).toBe("4");
  expect(req.headers["content-type"]).toBe("application/x-protobuf");
  return decodeOtlpTraces(req.body, req.headers["content-type"] as string);
}

const spansOf = (req: OtlpExportRequest): OtlpSpan[] => req.resourceSpans.flatMap((rs) => rs.scopeSpans.flatMap((ss) => ss.spans));

destinationComplianceSuite("langfuse-otel", (server) => ({
  adapter: langfuseAdapter("langfuse-otel", { baseUrl: server.url, mode: "otel", ...KEYS }),
  decode: (req) => {
    const ids = spansOf(receive(req)).map((s) => s.spanId);
    return { spanIds: ids, idempotencyKey: [...ids].sort().join(",") };
  },
}));

describe("langfuse otel: what Langfuse receives", () => {
  it("a protobuf export with Basic auth, the ingestion-version header and the langfuse.* attributes", async () => {
    const server = await startContractServer();
    try {
      const adapter = langfuseModule.adapter("lf", parseLangfuseConfig({ base_url: `${server.url}/`, public_key: KEYS.publicKey, secret_key: KEYS.secretKey }));
      await adapter.client.send(adapter.mapper.map([root, generation, tool]), { signal: new AbortController().signal, attempt: 1 });
      expect(server.requests).toHaveLength(1);
      const byId = new Map(spansOf(receive(server.requests[0])).map((s) => [s.spanId, s]));

      const r = byId.get(root.span_id)!;
      expect(r.traceId).toBe(TRACE);
      expect(r.parentSpanId).toBe("");
      expect(r.attributes).toMatchObject({
        "langfuse.observation.type": "agent",
        "langfuse.trace.name": "support",
        "langfuse.trace.input": '"Where is my order?"',
        "langfuse.trace.output": '{"answer":"on its way"}',
        "langfuse.trace.metadata": '{"channel":"chat"}',
        "langfuse.trace.tags": ["prod", "vip"],
        "session.id": "sess-9",
        "user.id": "user-9",
        "langfuse.environment": "production",
        "langfuse.release": "2.0.1",
        "langfuse.version": "v3",
        "langfuse.observation.input": '"Where is my order?"',
      });

      const g = byId.get(generation.span_id)!;
      expect(g.parentSpanId).toBe(root.span_id);
      expect(g.attributes).toMatchObject({
        "langfuse.observation.type": "generation",
        "langfuse.observation.model.name": "gpt-4o",
        "langfuse.observation.model.parameters": '{"temperature":0.2,"max_tokens":256,"stop":["\\n"]}',
        "langfuse.observation.usage_details": '{"input":50,"input_cached_tokens":40,"input_cache_creation":10,"output":25,"output_reasoning_tokens":5,"total":130}',
        "langfuse.observation.cost_details": '{"total":0.002}',
        "langfuse.observation.completion_start_time": "2026-03-01T10:00:00.130500Z",
        "langfuse.observation.prompt.name": "greeting",
        "langfuse.observation.prompt.version": 3,
        "langfuse.observation.level": "WARNING",
        "langfuse.observation.status_message": "slow",
      });
      // Trace-level keys only on the root: a child must not rename the trace.
      expect(g.attributes).not.toHaveProperty("langfuse.trace.name");
      expect(byId.get(tool.span_id)!.attributes).toMatchObject({ "langfuse.observation.type": "tool", "langfuse.observation.output": '"shipped"' });
    } finally {
      await server.close();
    }
  });

  it("every key it sets is one Langfuse's own SDK defines (LangfuseOtelSpanAttributes in @langfuse/core)", () => {
    const known = new Set<string>(Object.values(LangfuseOtelSpanAttributes));
    const fromLangfuse = { ...tool, source: { format: "langfuse" as const }, attributes: { "langfuse.metadata.team": "search" } };
    const keys = [root, generation, tool, fromLangfuse].flatMap((s) => Object.entries(langfuseAttributes(s)).filter(([, v]) => v !== undefined).map(([k]) => k));
    expect(new Set(keys).size).toBeGreaterThanOrEqual(23);
    expect(keys.filter((k) => !known.has(k))).toEqual([]);
  });

  it("metadata that came from Langfuse goes back as langfuse.observation.metadata, without the prefix", () => {
    const fromLangfuse = { ...tool, source: { format: "langfuse" as const }, attributes: { "langfuse.observation.id": "obs-1", "langfuse.metadata.team": "search", "app.region": "eu" } };
    expect(langfuseAttributes(fromLangfuse)).toMatchObject({ "langfuse.observation.metadata": '{"team":"search"}' });
    expect(langfuseAttributes(tool)["langfuse.observation.metadata"]).toBeUndefined();
  });

  it("the environment override replaces every span's environment", () => {
    const request = mapOtel([generation], { environment: "staging" });
    const [span] = spansOf(decodeOtlpTraces(Buffer.from(request.body), request.contentType));
    expect(span.attributes["langfuse.environment"]).toBe("staging");
  });
});

describe("langfuse otel: round trip through tracerelay's own Langfuse-OTel ingest", () => {
  const relay = (spans: CanonicalSpan[]) => {
    const request = mapOtel(spans);
    const result = normalizeOtlp(decodeOtlpTraces(Buffer.from(request.body), request.contentType), { projectId: "p", format: "otlp" });
    expect(result.rejected).toEqual([]);
    return new Map(result.spans.map((s) => [s.span_id, s]));
  };

  it("kind, model, usage, cost, session, user, input/output, level, prompt and first-token time survive", () => {
    const back = relay([root, generation, tool]);
    const g = back.get(generation.span_id)!;
    expect(g).toMatchObject({
      trace_id: TRACE,
      parent_span_id: root.span_id,
      kind: "llm",
      model: "gpt-4o",
      usage: generation.usage,
      cost: { total_usd: 0.002, source: "reported" },
      session_id: "sess-9",
      user_id: "user-9",
      environment: "production",
      input: generation.input,
      output: generation.output,
      level: "warning",
      status_message: "slow",
      prompt: { name: "greeting", version: 3 },
      first_token_ms: 120.5,
      model_parameters: generation.model_parameters,
      start_time: generation.start_time,
      end_time: generation.end_time,
    });
    expect(back.get(root.span_id)).toMatchObject({ kind: "agent", session_id: "sess-9", user_id: "user-9", tags: ["prod", "vip"], release: "2.0.1", input: root.input, output: root.output });
    expect(back.get(root.span_id)!.attributes).toMatchObject({ "langfuse.trace.name": "support" });
    expect(back.get(tool.span_id)).toMatchObject({ kind: "tool", input: { id: 42 }, output: "shipped" });
  });

  it("every canonical kind comes back as itself, except rerank (Langfuse has no rerank type)", () => {
    const kinds: CanonicalSpan["kind"][] = ["llm", "embedding", "agent", "tool", "chain", "retrieval", "guardrail", "event", "custom"];
    const spans = kinds.map((kind, i) => makeSpan({ trace_id: TRACE, span_id: (0x300 + i).toString(16).padStart(16, "0"), parent_span_id: root.span_id, project_id: "p", kind, name: kind }));
    const back = relay(spans);
    expect(spans.map((s) => back.get(s.span_id)!.kind)).toEqual(kinds);
  });
});

describe("langfuse config", () => {
  it("defaults to mode otel with Langfuse's limits as the delivery defaults; the user's block wins", () => {
    const c = parseLangfuseConfig({ base_url: "https://cloud.langfuse.com/", public_key: "pk", secret_key: "sk" });
    expect(c).toMatchObject({ baseUrl: "https://cloud.langfuse.com", mode: "otel", delivery: { batch: { max_bytes: 1_500_000, max_spans: 500 } } });
    const mine = parseLangfuseConfig({ base_url: "http://lf:3000", public_key: "pk", secret_key: "sk", mode: "ingestion", environment: "staging", delivery: { batch: { max_bytes: 500_000 } } });
    expect(mine).toMatchObject({ mode: "ingestion", environment: "staging", delivery: { batch: { max_bytes: 500_000 } } });
    // the module builds the adapter for the configured mode
    expect(langfuseModule.adapter("lf", mine).mapper.map([generation])).toHaveProperty("chunks");
    expect(langfuseModule.adapter("lf", c).mapper.map([generation])).toHaveProperty("contentType", "application/x-protobuf");
  });

  it("reports every problem at once and never echoes the keys", () => {
    const bad = { base_url: "ftp://x", public_key: "pk-lf-secretish", secret_key: "", mode: "grpc", environment: "Langfuse Prod", colour: 1 };
    const fields = ["(colour)", ".base_url ", ".secret_key ", ".mode ", ".environment "];
    expect(() => parseLangfuseConfig(bad)).toThrow(
      expect.objectContaining({
        code: "TR_DELIVERY_CONFIG",
        problems: fields.map((f) => expect.stringContaining(f)),
        message: expect.not.stringContaining("pk-lf-secretish"),
      }),
    );
  });

});

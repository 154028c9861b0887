import { gunzipSync } from "node:zlib";
import protobuf from "protobufjs";
import { Registry } from "prom-client";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { encodeOtlpTraces } from "../../lib/otlp/encode.ts";
import type { CanonicalSpan } from "../../lib/span/types.ts";
import { llmSpan, makeSpan, spanIdOf, traceIdOf } from "../../lib/store/testing.ts";
import { normalizeOtlp } from "../../services/ingest/normalizers/index.ts";
import { decodeOtlpTraces, encodeOtlpResponse, type PartialSuccess } from "../../services/ingest/otlp/index.ts";
import { createDelivery, DeliveryConfigError, InMemoryDeadLetterSink, PartialFailureError, PermanentError, resolveDeliveryOptions, spanKey } from "../_delivery/index.ts";
import { destinationComplianceSuite } from "../_testkit/compliance.ts";
import { type ContractServer, type ReceivedRequest, type ScriptedResponse, startContractServer } from "../_testkit/contract-server.ts";
import { drive, FAKE_TIMERS, track } from "../_testkit/drive.ts";
import { mapOtlp, otlpAdapter, type OtlpConfig, parseOtlpConfig, tracesUrl } from "./index.ts";

const PROTOBUF = "application/x-protobuf";

/** The receiving side: what tracerelay's own POST /v1/traces does with the bytes (gunzip, decode, normalize). */
function receive(req: ReceivedRequest): CanonicalSpan[] {
  const raw = req.headers["content-encoding"] === "gzip" ? gunzipSync(req.body) : req.body;
  const { spans, rejected } = normalizeOtlp(decodeOtlpTraces(raw, String(req.headers["content-type"])), { projectId: "receiver", format: "otlp" });
  expect(rejected).toEqual([]);
  return spans;
}

/** OTLP has no idempotency header: receivers key spans by (trace_id, span_id), so the key IS the span set. */
function decode(req: ReceivedRequest) {
  expect(req.method).toBe("POST");
  expect(req.path).toBe("/v1/traces");
  expect(req.headers).toMatchObject({ "content-type": PROTOBUF, "content-encoding": "gzip", authorization: "Bearer t0k" });
  const spans = receive(req);
  return { spanIds: spans.map((s) => s.span_id), idempotencyKey: spans.map(spanKey).sort().join(",") };
}

const config = (server: ContractServer, extra: Partial<OtlpConfig> = {}) => ({
  url: tracesUrl(server.url),
  format: "protobuf" as const,
  compression: "gzip" as const,
  headers: { authorization: "Bearer t0k" },
  ...extra,
});

destinationComplianceSuite("otlp", (server) => ({ adapter: otlpAdapter("otlp", config(server)), decode }));

// The contract server hands `body` to res.end, which takes bytes as well as text.
const binary = (bytes: Buffer | string) => bytes as unknown as string;

/** tracerelay's own ingest answer for a partial success, as protobuf or JSON. */
function partialAnswer(partial: PartialSuccess, protobufBody = true): ScriptedResponse {
  return {
    status: 200,
    headers: { "content-type": protobufBody ? PROTOBUF : "application/json" },
    body: binary(encodeOtlpResponse(partial, protobufBody)),
  };
}

const chat = llmSpan({
  project_id: "sender",
  trace_id: traceIdOf(1),
  span_id: spanIdOf(2),
  parent_span_id: spanIdOf(1),
  startMs: 500,
  durationMs: 2500.25,
  session_id: "s-1",
  user_id: "u-1",
  service_name: "api",
  environment: "staging",
  input: [{ role: "user", content: "hi" }],
  output: [{ role: "assistant", content: "hello", tool_calls: [{ id: "c1", name: "lookup", arguments: { q: "x" } }] }],
  tool_calls: [{ id: "c1", name: "lookup", arguments: { q: "x" } }],
  stop_reason: "tool_call",
  tokens: { input_tokens: 40, output_tokens: 9, total_tokens: 49, cache_read_tokens: 30 },
  status: "error",
  status_message: "rate limited",
});

describe("otlp destination against tracerelay's own OTLP ingest", () => {
  let server: ContractServer;
  beforeEach(async () => {
    server = await startContractServer();
  });
  afterEach(() => server.close());

  const send = async (spans: CanonicalSpan[], extra: Partial<OtlpConfig> = {}) => {
    const adapter = otlpAdapter("otlp", config(server, extra));
    await adapter.client.send(adapter.mapper.map(spans), { signal: new AbortController().signal, attempt: 1 });
  };

  it.each([
    ["protobuf", "gzip"],
    ["json", "none"],
    ["json", "gzip"],
    ["protobuf", "none"],
  ] as const)("%s body, compression %s: the canonical fields come back equal", async (format, compression) => {
    await send([chat], { format, compression });
    const [req] = server.requests;
    expect(req.headers["content-type"]).toBe(format === "json" ? "application/json" : PROTOBUF);
    expect(req.headers["content-encoding"]).toBe(compression === "gzip" ? "gzip" : undefined);
    const [back] = receive(req);
    const fields = [
      "trace_id", "span_id", "parent_span_id", "name", "kind", "start_time", "end_time", "duration_ms", "status", "status_message",
      "session_id", "user_id", "service_name", "environment", "model", "provider", "usage", "input", "output", "tool_calls", "stop_reason",
    ] as const;
    for (const f of fields) expect({ [f]: back[f] }).toEqual({ [f]: chat[f] });
    expect(back.attributes?.["resource.tracerelay.project_id"]).toBe("sender");
  });

  it("JSON bodies are OTLP/JSON text with hex ids", async () => {
    await send([chat], { format: "json", compression: "none" });
    const body = JSON.parse(server.requests[0].body.toString("utf8"));
    expect(body.resourceSpans[0].scopeSpans[0].spans[0]).toMatchObject({ traceId: chat.trace_id, spanId: chat.span_id, parentSpanId: chat.parent_span_id });
  });

  it("gzip: the body is the gzip of the plain encoding, identical on every attempt", () => {
    const opts = { format: "protobuf", compression: "gzip" } as const;
    const a = mapOtlp([chat], opts);
    expect(a.contentEncoding).toBe("gzip");
    expect(gunzipSync(a.body)).toEqual(Buffer.from(encodeOtlpTraces([chat], "protobuf").body));
    expect(Buffer.from(mapOtlp([chat], opts).body)).toEqual(Buffer.from(a.body));
    expect(mapOtlp([chat], { ...opts, compression: "none" }).contentEncoding).toBeUndefined();
  });

  it("an empty ExportTraceServiceResponse, a plain-text 200 and a 0-rejected warning are full successes", async () => {
    server.script(
      { status: 200, headers: { "content-type": PROTOBUF }, body: "" },
      { status: 200, body: "ok" },
      partialAnswer({ rejectedSpans: 0, errorMessage: "deprecated attribute" }, false),
    );
    for (let i = 0; i < 3; i++) await send([chat]);
    expect(server.requests).toHaveLength(3);
  });

  describe("partial success", () => {
    const batch = [0, 1, 2].map((i) => makeSpan({ project_id: "p", trace_id: traceIdOf(2), span_id: spanIdOf(20 + i) }));
    const sendBatch = () => send(batch).then(() => undefined, (e: unknown) => e);

    it("refused spans named in the message are permanent failures; the others count as delivered", async () => {
      server.script(partialAnswer({ rejectedSpans: 1, errorMessage: `span 1 (${batch[1].span_id}): invalid parent_span_id` }));
      const err = await sendBatch();
      expect(err).toBeInstanceOf(PartialFailureError);
      const [failure] = (err as PartialFailureError).failures;
      expect(failure.keys).toEqual([spanKey(batch[1])]);
      expect(failure.error).toBeInstanceOf(PermanentError);
      expect(failure.error.message).toBe(`partial success: 1 of 3 span(s) rejected: span 1 (${batch[1].span_id}): invalid parent_span_id`);
    });

    it("when the server does not say which spans it refused, the whole request is a permanent failure", async () => {
      server.script(partialAnswer({ rejectedSpans: 2, errorMessage: "2 spans over the attribute limit" }, false));
      const err = await sendBatch();
      expect(err).toBeInstanceOf(PermanentError);
      expect(err).toMatchObject({ code: "TR_DELIVERY_PERMANENT", status: 200, message: "partial success: 2 of 3 span(s) rejected: 2 spans over the attribute limit" });
    });

    it("reads the JSON form with rejectedSpans as an int64 string", async () => {
      server.script({ status: 200, headers: { "content-type": "application/json" }, body: '{"partialSuccess":{"rejectedSpans":"3","errorMessage":"quota"}}' });
      expect(await sendBatch()).toMatchObject({ code: "TR_DELIVERY_PERMANENT", message: "partial success: 3 of 3 span(s) rejected: quota" });
    });

    it("through the delivery helper: only the refused span is dead-lettered, with the server's message", async () => {
      vi.useFakeTimers(FAKE_TIMERS);
      try {
        const dlq = new InMemoryDeadLetterSink();
        const d = createDelivery(otlpAdapter("otlp", config(server)), resolveDeliveryOptions({ batch: { max_wait_ms: 10 } }), { registry: new Registry(), deadLetters: dlq });
        server.script(partialAnswer({ rejectedSpans: 1, errorMessage: `span 2 (${batch[2].span_id}): bad` }));
        const done = track(d.deliver(batch));
        await drive(d, server, () => done.done);
        expect(done.error).toBeUndefined();
        expect(server.requests).toHaveLength(1);
        expect(dlq.letters).toHaveLength(1);
        expect(dlq.letters[0].spans.map((s) => s.span_id)).toEqual([batch[2].span_id]);
        expect(dlq.letters[0].error).toMatchObject({ class: "permanent" });
        expect(dlq.letters[0].error.message).toContain(`span 2 (${batch[2].span_id}): bad`);
        const closing = track(d.close());
        await drive(d, server, () => closing.done);
      } finally {
        vi.useRealTimers();
      }
    });
  });

  it("a 400 is permanent with the google.rpc.Status message as the reason", async () => {
    const status = protobuf.Writer.create().uint32(8).int32(3).uint32(18).string("invalid span kind").finish();
    server.script({ status: 400, headers: { "content-type": PROTOBUF }, body: binary(Buffer.from(status)) });
    await expect(send([chat])).rejects.toMatchObject({ code: "TR_DELIVERY_PERMANENT", status: 400, message: "HTTP 400: invalid span kind" });
    server.script({ status: 400, headers: { "content-type": "application/json" }, body: '{"code":3,"message":"bad json span"}' });
    await expect(send([chat])).rejects.toMatchObject({ message: "HTTP 400: bad json span" });
  });
});

describe("otlp config", () => {
  it("appends /v1/traces to a base endpoint unless it is already there", () => {
    expect(tracesUrl("http://collector:4318")).toBe("http://collector:4318/v1/traces");
    expect(tracesUrl("https://otlp.example.com/otlp/")).toBe("https://otlp.example.com/otlp/v1/traces");
    expect(tracesUrl("https://cloud.example.com/api/public/otel/v1/traces")).toBe("https://cloud.example.com/api/public/otel/v1/traces");
  });

  it("defaults: protobuf, gzip, no headers, OTel SDK batch size and timeout", () => {
    const c = parseOtlpConfig({ endpoint: "http://collector:4318" });
    expect(c).toMatchObject({ url: "http://collector:4318/v1/traces", format: "protobuf", compression: "gzip", headers: {} });
    expect(c.delivery.batch.max_spans).toBe(512);
    expect(c.delivery.timeout_ms).toBe(10_000);
    const d = parseOtlpConfig({ traces_endpoint: "https://x.test/ingest/traces", format: "json", compression: "none", headers: { "x-api-key": "k" }, delivery: { batch: { max_spans: 50 } } });
    expect(d).toMatchObject({ url: "https://x.test/ingest/traces", format: "json", compression: "none", headers: { "x-api-key": "k" } });
    expect(d.delivery.batch.max_spans).toBe(50);
  });

  it("reports every problem at once, never echoing header values", () => {
    const problems = (raw: unknown) => {
      try {
        parseOtlpConfig(raw);
      } catch (e) {
        expect(e).toBeInstanceOf(DeliveryConfigError);
        return (e as DeliveryConfigError).problems;
      }
      throw new Error("expected a DeliveryConfigError");
    };
    const p = problems({ endpoint: "grpc://x", format: "thrift", compression: "zstd", headers: { authorization: 42 }, colour: "blue" });
    expect(p.length).toBeGreaterThanOrEqual(5);
    expect(problems({ endpoint: "http://a", traces_endpoint: "http://b/v1/traces" }).join("\n")).toMatch(/oneOf|must match exactly one/);
    expect(problems({}).length).toBeGreaterThan(0);
    expect(problems({ endpoint: "http://a", headers: { authorization: 7, "x-secret": "s3cr3t-value" } }).join("\n")).not.toContain("s3cr3t");
  });
});

// Bad input against the running process: every refusal is a 4xx whose JSON names the problem with a
// stable code from lib/errors.ts; batches with some bad items keep their good siblings (OTLP partial
// success, Langfuse 207); nothing crashes the process, and a good request still works afterwards.
import { createHmac, randomUUID } from "node:crypto";
import { gzipSync } from "node:zlib";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type RawOptions, type RawResponse, rawPost } from "./harness/http.ts";
import { hex, otlpRequest, otlpSpan, protoRequestWithNestedAttribute } from "./harness/otlp.ts";
import { newSpanId, newTraceId, startTracerelay, type Tracerelay } from "./harness/tracerelay.ts";

const WEBHOOK_SECRET = "whsec-e2e-0123456789abcdef";
const MiB = 1024 * 1024;

let tr: Tracerelay;

beforeAll(async () => {
  tr = await startTracerelay({ config: `webhooks:\n  ci:\n    secret: "${WEBHOOK_SECRET}"\n    project: default\n` });
});

afterAll(async () => {
  await tr?.close();
});

function expectError(res: RawResponse | { status: number; json: unknown; text: string }, status: number, code: string): void {
  const err = (res.json as { error?: { code?: string; message?: string } } | undefined)?.error;
  expect({ status: res.status, code: err?.code }, `body: ${res.text.slice(0, 400)}`).toEqual({ status, code });
  expect(typeof err?.message).toBe("string");
  expect((err?.message ?? "").length).toBeGreaterThan(5);
}

const json = (value: unknown) => JSON.stringify(value);
const bearer = () => ({ authorization: `Bearer ${tr.secretKey}` });
const post = (path: string, body: Buffer | string, headers: Record<string, string>, opts?: RawOptions) => rawPost(tr.url, path, body, headers, opts);
const postOtlpJson = (body: Buffer | string, extra: Record<string, string> = {}, opts?: RawOptions) =>
  post("/v1/traces", body, { "content-type": "application/json", ...bearer(), ...extra }, opts);
const postLangfuse = (body: Buffer | string, extra: Record<string, string> = {}, opts?: RawOptions) =>
  post("/api/public/ingestion", body, { "content-type": "application/json", ...tr.basicAuthHeaders(), ...extra }, opts);

function nested(depth: number): string {
  return `${"[".repeat(depth)}1${"]".repeat(depth)}`;
}

function webhookHeaders(body: string, opts: { secret?: string; timestamp?: number; signedBody?: string } = {}): Record<string, string> {
  const ts = String(opts.timestamp ?? Math.floor(Date.now() / 1000));
  const sig = createHmac("sha256", opts.secret ?? WEBHOOK_SECRET)
    .update(`${ts}.${opts.signedBody ?? body}`)
    .digest("hex");
  return { "content-type": "application/json", "x-tracerelay-timestamp": ts, "x-tracerelay-signature": `sha256=${sig}` };
}

describe("malformed bodies", () => {
  it("malformed protobuf → 400 TR_OTLP_DECODE", async () => {
    // field 1 (resource_spans), length-delimited, claiming ~4 GB: truncated garbage
    const body = Buffer.from([0x0a, 0xff, 0xff, 0xff, 0xff, 0x0f, 0x01, 0x02, 0x03]);
    expectError(await post("/v1/traces", body, { "content-type": "application/x-protobuf", ...bearer() }), 400, "TR_OTLP_DECODE");
  });

  it("invalid JSON on /v1/traces → 400 TR_BODY_INVALID_JSON", async () => {
    expectError(await postOtlpJson('{"resourceSpans": [ {"scopeSpans": '), 400, "TR_BODY_INVALID_JSON");
  });

  it("JSON that is not an ExportTraceServiceRequest → 400 TR_OTLP_DECODE", async () => {
    expectError(await postOtlpJson(json({ resourceSpans: "not-a-list" })), 400, "TR_OTLP_DECODE");
  });

  it("empty OTLP body → 400", async () => {
    const res = await post("/v1/traces", Buffer.alloc(0), { "content-type": "application/x-protobuf", ...bearer() });
    expectError(res, 400, "TR_OTLP_DECODE");
  });

  it("invalid JSON on /api/public/ingestion → 400 TR_BODY_INVALID_JSON", async () => {
    expectError(await postLangfuse('{"batch": [ {"id": "x", '), 400, "TR_BODY_INVALID_JSON");
  });

  it("JSON that is not a Langfuse {batch: [...]} envelope → 400 TR_LANGFUSE_ENVELOPE", async () => {
    expectError(await postLangfuse(json([1, 2, 3])), 400, "TR_LANGFUSE_ENVELOPE");
  });

  it("wrong content type → 415 TR_CONTENT_TYPE (OTLP and Langfuse paths)", async () => {
    expectError(await post("/v1/traces", "hello", { "content-type": "text/plain", ...bearer() }), 415, "TR_CONTENT_TYPE");
    expectError(await post("/api/public/ingestion", "batch=1", { "content-type": "application/x-www-form-urlencoded", ...tr.basicAuthHeaders() }), 415, "TR_CONTENT_TYPE");
  });

  it("unsupported or corrupt Content-Encoding → 415 TR_BODY_ENCODING", async () => {
    const good = json(otlpRequest([]));
    expectError(await postOtlpJson(good, { "content-encoding": "compress" }), 415, "TR_BODY_ENCODING");
    const corrupt = Buffer.concat([gzipSync(good).subarray(0, 10), Buffer.from("this is not deflate data at all")]);
    expectError(await postOtlpJson(corrupt, { "content-encoding": "gzip" }), 415, "TR_BODY_ENCODING");
  });

  it("OTLP/JSON nested deeper than 64 levels → 400 TR_BODY_TOO_DEEP", async () => {
    const otlp = `{"resourceSpans":[],"extra":${nested(100)}}`;
    expectError(await postOtlpJson(otlp), 400, "TR_BODY_TOO_DEEP");
  });

  it("OTLP/JSON span attribute (AnyValue) nested 3000 levels → 400 TR_BODY_TOO_DEEP, not a 500", async () => {
    let value = '{"stringValue":"leaf"}';
    for (let i = 0; i < 3000; i++) value = `{"arrayValue":{"values":[${value}]}}`;
    const body = json(otlpRequest([otlpSpan({ traceId: newTraceId(), spanId: newSpanId(), name: "deep-json" })])).replace('"attributes":[]', `"attributes":[{"key":"deep","value":${value}}]`);
    expect(body).toContain('"key":"deep"');
    expectError(await postOtlpJson(body), 400, "TR_BODY_TOO_DEEP");
  });

  it("OTLP/protobuf span attribute (AnyValue) nested 3000 levels → 4xx naming the problem, not a 500", async () => {
    const body = protoRequestWithNestedAttribute(newTraceId(), newSpanId(), 3000);
    const res = await post("/v1/traces", body, { "content-type": "application/x-protobuf", ...bearer() });
    const code = (res.json as { error?: { code?: string } } | undefined)?.error?.code;
    expect({ status: res.status, code }, res.text.slice(0, 300)).toEqual({ status: 400, code: expect.stringMatching(/^TR_(BODY_TOO_DEEP|OTLP_DECODE)$/) });
  });

  it("OTLP/protobuf with a shallow nested attribute is accepted (control for the writer above)", async () => {
    const traceId = newTraceId();
    const res = await post("/v1/traces", protoRequestWithNestedAttribute(traceId, newSpanId(), 3), { "content-type": "application/x-protobuf", ...bearer() });
    expect(res.status, res.text).toBe(200);
    const t = await tr.waitForTrace(traceId, { spans: 1 });
    expect(t.spans[0].name).toBe("deep-proto");
    expect(t.spans[0].attributes?.deep).toEqual([[["leaf"]]]);
  });

  it("Langfuse: an event nested deeper than 64 gets its own 400 in the 207 (siblings kept); a body nested past 128 → 400 TR_BODY_TOO_DEEP", async () => {
    const ts = new Date().toISOString();
    const deepId = randomUUID();
    const okId = randomUUID();
    const batch = `{"batch":[{"id":"${deepId}","type":"trace-create","timestamp":"${ts}","body":{"id":"${randomUUID()}","metadata":${nested(100)}}},{"id":"${okId}","type":"trace-create","timestamp":"${ts}","body":{"id":"${randomUUID()}","name":"shallow-sibling"}}]}`;
    const res = await postLangfuse(batch);
    expect(res.status, res.text.slice(0, 300)).toBe(207);
    const out = res.json as { successes: Array<{ id: string }>; errors: Array<{ id: string; status: number; message: string; error?: string }> };
    expect(out.successes.map((x) => x.id)).toEqual([okId]);
    expect(out.errors.map((e) => [e.id, e.status])).toEqual([[deepId, 400]]);
    expect(`${out.errors[0].message} ${out.errors[0].error ?? ""}`).toMatch(/nested|deep/i);
    const whole = `{"batch":[{"id":"${randomUUID()}","type":"trace-create","timestamp":"${ts}","body":{"id":"${randomUUID()}","metadata":${nested(300)}}}]}`;
    expectError(await postLangfuse(whole), 400, "TR_BODY_TOO_DEEP");
  });

  it("JSON nested 60 levels deep is still accepted (the limit is not off by a lot)", async () => {
    const lf = `{"batch":[{"id":"${randomUUID()}","type":"trace-create","timestamp":"${new Date().toISOString()}","body":{"id":"${randomUUID()}","name":"deep-ok","metadata":{"m":${nested(55)}}}}]}`;
    const res = await postLangfuse(lf);
    expect(res.status, res.text.slice(0, 300)).toBe(207);
  });
});

describe("body limits", () => {
  const otlpTooBig = () => Buffer.alloc(16 * MiB + 1024, 0x20);
  const langfuseTooBig = () => Buffer.from(json({ batch: [{ id: randomUUID(), type: "trace-create", timestamp: new Date().toISOString(), body: { id: randomUUID(), input: "x".repeat(4_800_000) } }] }));

  it("OTLP body over 16 MiB (Content-Length) → 413 TR_BODY_TOO_LARGE", async () => {
    expectError(await postOtlpJson(otlpTooBig(), {}, { declareOnly: 64 * 1024 }), 413, "TR_BODY_TOO_LARGE");
  });

  it("OTLP body over 16 MiB (chunked, no Content-Length) → 413 TR_BODY_TOO_LARGE", async () => {
    expectError(await postOtlpJson(otlpTooBig(), {}, { chunked: 256 * 1024 }), 413, "TR_BODY_TOO_LARGE");
  });

  it("gzip body that inflates past 16 MiB (zip bomb) → 413 TR_BODY_TOO_LARGE", async () => {
    const bomb = gzipSync(Buffer.alloc(17 * MiB, 0x20));
    expect(bomb.length).toBeLessThan(MiB);
    expectError(await postOtlpJson(bomb, { "content-encoding": "gzip" }), 413, "TR_BODY_TOO_LARGE");
  });

  it("Langfuse ingestion body over 4.5 MB → 413 TR_BODY_TOO_LARGE (Content-Length and chunked)", async () => {
    expectError(await postLangfuse(langfuseTooBig(), {}, { declareOnly: 64 * 1024 }), 413, "TR_BODY_TOO_LARGE");
    expectError(await postLangfuse(langfuseTooBig(), {}, { chunked: 256 * 1024 }), 413, "TR_BODY_TOO_LARGE");
  });

  it("a body just under the OTLP limit is accepted (the limit is 16 MiB, not less)", async () => {
    const traceId = newTraceId();
    const spanId = newSpanId();
    const padding = "p".repeat(15 * MiB);
    const body = json(otlpRequest([otlpSpan({ traceId, spanId, name: "big-but-ok", attributes: { "app.padding": padding } })]));
    expect(body.length).toBeLessThan(16 * MiB);
    const res = await postOtlpJson(body);
    expect(res.status, res.text.slice(0, 300)).toBe(200);
  });
});

describe("batches with bad items keep their good siblings", () => {
  it("OTLP/JSON: zero / wrong-length trace and span ids are rejected by index; valid siblings are stored", async () => {
    const traceId = newTraceId();
    const rootId = newSpanId();
    const childId = newSpanId();
    const now = Date.now() - 1000;
    const spans = [
      otlpSpan({ traceId, spanId: rootId, name: "valid-root", startMs: now }),
      otlpSpan({ traceId: "0".repeat(32), spanId: newSpanId(), name: "zero-trace-id", startMs: now }),
      otlpSpan({ traceId, spanId: "0".repeat(16), parentSpanId: rootId, name: "zero-span-id", startMs: now }),
      otlpSpan({ traceId, spanId: hex(7), parentSpanId: rootId, name: "short-span-id", startMs: now }),
      otlpSpan({ traceId: hex(15), spanId: newSpanId(), name: "short-trace-id", startMs: now }),
      otlpSpan({ traceId, spanId: childId, parentSpanId: rootId, name: "valid-child", startMs: now + 1 }),
    ];
    const res = await postOtlpJson(json(otlpRequest(spans)));
    expect(res.status, res.text).toBe(200);
    const partial = (res.json as { partialSuccess?: { rejectedSpans?: number | string; errorMessage?: string } }).partialSuccess;
    expect(Number(partial?.rejectedSpans)).toBe(4);
    expect(partial?.errorMessage ?? "").toMatch(/span/i);

    const t = await tr.waitForTrace(traceId, { spans: 2 });
    expect(t.spans.map((s) => s.name).sort()).toEqual(["valid-child", "valid-root"]);
    expect(new Set(t.spans.map((s) => s.span_id))).toEqual(new Set([rootId, childId]));
    expect(t.spans.find((s) => s.span_id === childId)?.parent_span_id).toBe(rootId);
  });

  it("Langfuse: an unknown event type and an event without body get per-event errors (207); siblings are stored", async () => {
    const traceUuid = randomUUID();
    const spanUuid = randomUUID();
    const genUuid = randomUUID();
    const badTypeId = randomUUID();
    const noBodyId = randomUUID();
    const ts = new Date().toISOString();
    const start = new Date(Date.now() - 2000).toISOString();
    const end = new Date(Date.now() - 1000).toISOString();
    const batch = [
      { id: randomUUID(), type: "trace-create", timestamp: ts, body: { id: traceUuid, name: "lf-207-trace", sessionId: "sess-207", userId: "user-207" } },
      { id: badTypeId, type: "telemetry-frobnicate", timestamp: ts, body: { id: randomUUID() } },
      { id: randomUUID(), type: "span-create", timestamp: ts, body: { id: spanUuid, traceId: traceUuid, name: "sibling-span", startTime: start, endTime: end } },
      { id: noBodyId, type: "span-create", timestamp: ts },
      {
        id: randomUUID(),
        type: "generation-create",
        timestamp: ts,
        body: { id: genUuid, traceId: traceUuid, parentObservationId: spanUuid, name: "sibling-gen", model: "gpt-4o-mini", startTime: start, endTime: end, usageDetails: { input: 11, output: 7, total: 18 } },
      },
    ];
    const res = await postLangfuse(json({ batch }));
    expect(res.status, res.text).toBe(207);
    const body = res.json as { successes: Array<{ id: string; status: number }>; errors: Array<{ id: string; status: number; message?: string; error?: unknown }> };
    expect(body.errors.map((e) => e.id).sort()).toEqual([badTypeId, noBodyId].sort());
    for (const e of body.errors) {
      expect(e.status).toBeGreaterThanOrEqual(400);
      expect(e.status).toBeLessThan(500);
      expect(JSON.stringify(e.message ?? e.error ?? "")).not.toBe('""');
    }
    expect(JSON.stringify(body.errors.find((e) => e.id === badTypeId))).toContain("telemetry-frobnicate");
    expect(body.successes).toHaveLength(3);
    expect(body.successes.every((s) => s.status === 201 || s.status === 200)).toBe(true);

    const traceId = traceUuid.replaceAll("-", "");
    const t = await tr.waitForTrace(traceId, { spans: 2, until: (tv) => tv.spans.some((s) => s.name === "sibling-gen") && tv.spans.some((s) => s.name === "sibling-span") });
    const gen = t.spans.find((s) => s.name === "sibling-gen");
    const span = t.spans.find((s) => s.name === "sibling-span");
    expect(gen?.kind).toBe("llm");
    expect(gen?.parent_span_id).toBe(span?.span_id);
    expect(gen?.usage).toMatchObject({ input_tokens: 11, output_tokens: 7, total_tokens: 18 });
    expect(t.session_id).toBe("sess-207");
  });
});

describe("webhooks", () => {
  const body = json({ spans: [] });

  it("unknown webhook source → 404 TR_WEBHOOK_SOURCE", async () => {
    expectError(await post("/v1/webhooks/nope", body, webhookHeaders(body)), 404, "TR_WEBHOOK_SOURCE");
  });

  it("missing signature headers → 401 TR_WEBHOOK_SIGNATURE", async () => {
    expectError(await post("/v1/webhooks/ci", body, { "content-type": "application/json" }), 401, "TR_WEBHOOK_SIGNATURE");
  });

  it("signature made with the wrong secret → 401 TR_WEBHOOK_SIGNATURE", async () => {
    expectError(await post("/v1/webhooks/ci", body, webhookHeaders(body, { secret: "not-the-right-secret-at-all" })), 401, "TR_WEBHOOK_SIGNATURE");
  });

  it("signature over a different body (tampered) → 401 TR_WEBHOOK_SIGNATURE", async () => {
    expectError(await post("/v1/webhooks/ci", body, webhookHeaders(body, { signedBody: json({ spans: [1] }) })), 401, "TR_WEBHOOK_SIGNATURE");
  });

  it("correct signature but timestamp outside the 5-minute window → 401 TR_WEBHOOK_SIGNATURE", async () => {
    const old = Math.floor(Date.now() / 1000) - 600;
    expectError(await post("/v1/webhooks/ci", body, webhookHeaders(body, { timestamp: old })), 401, "TR_WEBHOOK_SIGNATURE");
  });

  it("a correctly signed request is accepted: valid span stored, invalid sibling reported by index (207)", async () => {
    const traceId = newTraceId();
    const spanId = newSpanId();
    const good = {
      schema_version: 1,
      trace_id: traceId,
      span_id: spanId,
      project_id: "someone-elses-project",
      name: "ci-deploy-check",
      kind: "custom",
      start_time: new Date(Date.now() - 1000).toISOString(),
      end_time: new Date().toISOString(),
      status: "ok",
      source: { format: "otlp" },
    };
    const bad = { ...good, span_id: "not-hex", name: "bad-sibling" };
    const signed = json({ spans: [good, bad] });
    const res = await post("/v1/webhooks/ci", signed, webhookHeaders(signed));
    expect(res.status, res.text).toBe(207);
    const out = res.json as { accepted: number; rejected: Array<{ index: number; errors: string[] }> };
    expect(out.accepted).toBe(1);
    expect(out.rejected.map((r) => r.index)).toEqual([1]);
    expect(JSON.stringify(out.rejected[0].errors)).toContain("span_id");
    const t = await tr.waitForTrace(traceId, { spans: 1 });
    expect(t.spans.map((s) => [s.span_id, s.name, s.project_id, s.source?.format])).toEqual([[spanId, "ci-deploy-check", "default", "webhook"]]);
  });

  it("correctly signed but nested deeper than 64 → 400 TR_BODY_TOO_DEEP", async () => {
    const deep = `{"spans":${nested(100)}}`;
    expectError(await post("/v1/webhooks/ci", deep, webhookHeaders(deep)), 400, "TR_BODY_TOO_DEEP");
  });
});

describe("auth", () => {
  const body = json(otlpRequest([]));

  it("missing key → 401 TR_AUTH_MISSING (ingest and read API)", async () => {
    expectError(await post("/v1/traces", body, { "content-type": "application/json" }), 401, "TR_AUTH_MISSING");
    expectError(await post("/api/public/ingestion", json({ batch: [] }), { "content-type": "application/json" }), 401, "TR_AUTH_MISSING");
    expectError(await tr.api("/api/v1/traces", { auth: false }), 401, "TR_AUTH_MISSING");
  });

  it("wrong key → 401 TR_AUTH_INVALID (Bearer, x-api-key, Basic)", async () => {
    expectError(await post("/v1/traces", body, { "content-type": "application/json", authorization: "Bearer sk-tr-wrong" }), 401, "TR_AUTH_INVALID");
    expectError(await post("/v1/traces", body, { "content-type": "application/json", "x-api-key": "sk-tr-wrong" }), 401, "TR_AUTH_INVALID");
    const wrongBasic = `Basic ${Buffer.from(`${tr.publicKey}:sk-tr-wrong`).toString("base64")}`;
    expectError(await post("/api/public/ingestion", json({ batch: [] }), { "content-type": "application/json", authorization: wrongBasic }), 401, "TR_AUTH_INVALID");
    expectError(await tr.api("/api/v1/traces", { headers: { authorization: "Bearer sk-tr-wrong" } }), 401, "TR_AUTH_INVALID");
  });
});

describe("read API input", () => {
  it("bad trace id and unknown query parameter → 400 TR_BAD_QUERY; unknown trace → 404 TR_NOT_FOUND", async () => {
    expectError(await tr.api("/api/v1/traces/not-a-trace-id"), 400, "TR_BAD_QUERY");
    expectError(await tr.api("/api/v1/traces?frobnicate=1"), 400, "TR_BAD_QUERY");
    expectError(await tr.api(`/api/v1/traces/${newTraceId()}`), 404, "TR_NOT_FOUND");
  });
});

describe("after all of that", () => {
  it("the process is still up and a good request still works", async () => {
    expect(tr.child.exitCode).toBeNull();
    const live = await tr.api("/health/live", { auth: false });
    expect(live.status).toBe(200);
    const traceId = newTraceId();
    const spanId = newSpanId();
    const res = await postOtlpJson(json(otlpRequest([otlpSpan({ traceId, spanId, name: "still-works", attributes: { "gen_ai.operation.name": "chat", "gen_ai.request.model": "gpt-4o" } })])));
    expect(res.status, res.text).toBe(200);
    expect(Number((res.json as { partialSuccess?: { rejectedSpans?: number } }).partialSuccess?.rejectedSpans ?? 0)).toBe(0);
    const t = await tr.waitForTrace(traceId, { spans: 1 });
    expect(t.spans.map((s) => [s.span_id, s.name, s.kind, s.model])).toEqual([[spanId, "still-works", "llm", "gpt-4o"]]);
  });

  it("no bad request above ended as an unhandled (500) error in the log", () => {
    const internal = tr.logRecords().filter((r) => r.msg === "unhandled error");
    expect(internal.map((r) => JSON.stringify(r).slice(0, 400))).toEqual([]);
  });
});

// Ingestion mode (`POST /api/public/ingestion`): compliance suite through the batch mapper and client
// (the contract server answers like Langfuse, with a 207, and every body it receives is checked against
// Langfuse's OpenAPI spec), the mapping itself, 207 answers with mixed per-event results, and a v4
// server in events_only mode.
import { Registry } from "prom-client";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import type { CanonicalSpan } from "../../lib/span/types.ts";
import { makeSpan } from "../../lib/store/testing.ts";
import {
  createDelivery,
  type Delivery,
  InMemoryDeadLetterSink,
  MappingError,
  PartialFailureError,
  RetryableError,
  resolveDeliveryOptions,
} from "../_delivery/index.ts";
import { destinationComplianceSuite, spans } from "../_testkit/compliance.ts";
import { type ContractServer, type ReceivedRequest, startContractServer } from "../_testkit/contract-server.ts";
import { drive, FAKE_TIMERS, track } from "../_testkit/drive.ts";
import { basicAuth } from "./http.ts";
import { createIngestionClient } from "./ingestion-client.ts";
import { eventId, INGESTION_PATH, LANGFUSE_MAX_REQUEST_BYTES, ingestionEvents, langfuseIngestionAdapter, mapIngestion, V4_EVENTS_ONLY_HINT } from "./index.ts";
import { generation, multiStatus, root, TRACE, validateIngestionBody } from "./testing.ts";

const KEYS = { publicKey: "pk-lf-test", secretKey: "sk-lf-test" };
const config = (server: ContractServer) => ({ baseUrl: server.url, mode: "ingestion" as const, ...KEYS });

interface WireEvent {
  id: string;
  type: string;
  timestamp: string;
  body: Record<string, unknown>;
}

/** What Langfuse receives: checks path, auth and the contract, returns the events. */
function receive(req: ReceivedRequest): WireEvent[] {
  expect(req.method).toBe("POST");
  expect(req.path).toBe(INGESTION_PATH);
  expect(req.headers.authorization).toBe(basicAuth(KEYS.publicKey, KEYS.secretKey));
  expect(req.headers["content-type"]).toBe("application/json");
  const body = JSON.parse(req.body.toString("utf8")) as { batch: WireEvent[] };
  expect(validateIngestionBody(body)).toEqual([]);
  return body.batch;
}

const observationIds = (events: WireEvent[]) => events.filter((e) => e.type !== "trace-create").map((e) => e.body.id as string);

// The suite scripts plain statuses (a 2xx other than 207 accepts the whole request); the 207 path is
// tested below. Every body the suite makes the destination send is checked against the contract.
destinationComplianceSuite("langfuse-ingestion", (server) => ({
  adapter: langfuseIngestionAdapter("langfuse-ingestion", config(server)),
  decode: (req) => {
    const events = receive(req);
    return { spanIds: observationIds(events), idempotencyKey: events.map((e) => e.id).sort().join(",") };
  },
}));

// ── mapping ──────────────────────────────────────────────────────────────────────────────────────
const kinds: Array<[CanonicalSpan["kind"], string]> = [
  ["llm", "generation-create"],
  ["rerank", "generation-create"],
  ["embedding", "embedding-create"],
  ["agent", "agent-create"],
  ["tool", "tool-create"],
  ["chain", "chain-create"],
  ["retrieval", "retriever-create"],
  ["guardrail", "guardrail-create"],
  ["event", "event-create"],
  ["custom", "span-create"],
];
const child = (kind: CanonicalSpan["kind"], i: number, extra: Partial<CanonicalSpan> = {}) =>
  makeSpan({ trace_id: TRACE, span_id: (0x100 + i).toString(16).padStart(16, "0"), parent_span_id: root.span_id, project_id: "p", name: kind, kind, ...extra });

describe("langfuse ingestion mapper", () => {
  it("a root span is a trace-create with the trace fields plus its own observation", () => {
    const [trace, obs] = ingestionEvents(root);
    expect(trace).toEqual({
      id: eventId(root, "trace"),
      type: "trace-create",
      timestamp: root.start_time,
      body: {
        id: TRACE,
        timestamp: root.start_time,
        name: "support",
        userId: "user-9",
        sessionId: "sess-9",
        tags: ["prod", "vip"],
        input: "Where is my order?",
        output: { answer: "on its way" },
        metadata: { channel: "chat" },
        release: "2.0.1",
        version: "v3",
        environment: "production",
      },
    });
    expect(obs.type).toBe("agent-create");
    expect(obs.body).toMatchObject({ id: root.span_id, traceId: TRACE, name: "support agent", metadata: { "app.region": "eu" } });
    expect(obs.body).not.toHaveProperty("parentObservationId");
  });

  it("a generation carries model, parameters, usage and cost buckets, completion start, prompt and level", () => {
    const [obs] = ingestionEvents(generation);
    expect(obs.type).toBe("generation-create");
    expect(obs.body).toMatchObject({
      id: generation.span_id,
      traceId: TRACE,
      parentObservationId: root.span_id,
      startTime: generation.start_time,
      endTime: generation.end_time,
      model: "gpt-4o",
      modelParameters: { temperature: 0.2, max_tokens: 256, stop: ["\n"] },
      // inclusive canonical counts → Langfuse's non-overlapping buckets
      usageDetails: { input: 50, input_cached_tokens: 40, input_cache_creation: 10, output: 25, output_reasoning_tokens: 5, total: 130 },
      costDetails: { total: 0.002 },
      completionStartTime: "2026-03-01T10:00:00.130500Z",
      promptName: "greeting",
      promptVersion: 3,
      level: "WARNING",
      statusMessage: "slow",
      metadata: { provider: "openai", stop_reason: "stop" },
    });
    // Langfuse parameters are scalars or string lists; anything else travels as JSON text
    const structured = ingestionEvents({ ...generation, model_parameters: { response_format: { type: "json" } } })[0];
    expect(structured.body).toMatchObject({ modelParameters: { response_format: '{"type":"json"}' } });
  });

  it("picks the event type from the kind; a span from Langfuse keeps span vs evaluator", () => {
    expect(kinds.map(([k], i) => ingestionEvents(child(k, i))[0].type)).toEqual(kinds.map(([, t]) => t));
    const evaluator = child("custom", 99, { attributes: { "langfuse.observation.type": "evaluator" } });
    expect(ingestionEvents(evaluator)[0].type).toBe("evaluator-create");
    // an event has no end; an error status without a level is level ERROR
    const failed = child("event", 98, { status: "error", status_message: "boom" });
    expect(ingestionEvents(failed)[0].body).not.toHaveProperty("endTime");
    expect(ingestionEvents(failed)[0].body).toMatchObject({ level: "ERROR", statusMessage: "boom" });
  });

  it("a span that came from a Langfuse trace-create goes back as that trace only, metadata restored", () => {
    const trace = makeSpan({
      trace_id: TRACE,
      span_id: "2222222222222222",
      project_id: "p",
      kind: "chain",
      source: { format: "langfuse", convention: "langfuse" },
      attributes: { "langfuse.trace.id": "lf-trace-1", "langfuse.metadata.team": "search", "langfuse.trace.public": true },
    });
    const events = ingestionEvents(trace);
    expect(events.map((e) => e.type)).toEqual(["trace-create"]);
    expect(events[0].body).toMatchObject({ metadata: { team: "search" }, public: true });
  });

  it("event ids depend only on the span's identity; the environment override wins", () => {
    const again = ingestionEvents({ ...generation, name: "renamed" }, { environment: "staging" });
    expect(again[0].id).toBe(ingestionEvents(generation)[0].id);
    expect(again[0].id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-8[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(again[0].body).toMatchObject({ environment: "staging" });
    expect(eventId({ ...generation, trace_id: "f".repeat(32) }, "observation")).not.toBe(again[0].id);
  });

  it("splits a batch into requests under the size cap and keeps each request's event → span map", () => {
    const big = spans(6, { attributes: { blob: "x".repeat(20_000) } });
    const request = mapIngestion(big, {}, 50_000);
    expect(request.chunks.length).toBeGreaterThan(1);
    for (const chunk of request.chunks) {
      expect(Buffer.byteLength(chunk.body)).toBeLessThanOrEqual(50_000);
      const events = JSON.parse(chunk.body).batch as WireEvent[];
      expect(Object.keys(chunk.spans)).toEqual(events.map((e) => e.id));
    }
    expect(new Set(request.chunks.flatMap((c) => Object.values(c.spans)))).toEqual(new Set(big.map((s) => `${s.trace_id}:${s.span_id}`)));
    expect(() => mapIngestion(spans(1, { input: "y".repeat(60_000) }), {}, 50_000)).toThrow(MappingError);
  });
});

// ── the contract ─────────────────────────────────────────────────────────────────────────────────
describe("langfuse ingestion contract (openapi.yml)", () => {
  const everything = [root, generation, ...kinds.map(([k], i) => child(k, i, { status: "error", level: "error", input: { q: 1 }, output: [1, 2] }))];

  it("every request body the destination emits follows Langfuse's published schema", () => {
    for (const chunk of mapIngestion(everything).chunks) expect(validateIngestionBody(JSON.parse(chunk.body))).toEqual([]);
  });

  it("fails when a field is misnamed, mistyped or missing", () => {
    const body = JSON.parse(mapIngestion([root, generation]).chunks[0].body);
    const [trace, obs, gen] = body.batch;
    trace.body.session_id = trace.body.sessionId;
    delete trace.body.sessionId;
    gen.body.usage_details = gen.body.usageDetails;
    gen.body.promptVersion = "3";
    delete obs.timestamp;
    const problems = validateIngestionBody(body).join("\n");
    expect(problems).toContain("(session_id)");
    expect(problems).toContain("(usage_details)");
    expect(problems).toMatch(/promptVersion must be integer/);
    expect(problems).toMatch(/must have required property 'timestamp'/);
  });
});

// ── 207: per-event results ───────────────────────────────────────────────────────────────────────
describe("langfuse ingestion 207 answers", () => {
  let server: ContractServer;
  let delivery: Delivery;
  let dlq: InMemoryDeadLetterSink;
  beforeEach(async () => {
    vi.useFakeTimers(FAKE_TIMERS);
    server = await startContractServer();
    dlq = new InMemoryDeadLetterSink();
    delivery = createDelivery(langfuseIngestionAdapter("lf", config(server)), resolveDeliveryOptions({ batch: { max_wait_ms: 10 }, retry: { initial_backoff_ms: 100 } }), {
      registry: new Registry(),
      deadLetters: dlq,
      random: () => 0.5,
    });
  });
  afterEach(async () => {
    const closing = track(delivery.close({ graceMs: 0 }));
    await drive(delivery, server, () => closing.done).catch(() => {});
    vi.useRealTimers();
    await server.close();
  });
  const deliverAll = async (batch: CanonicalSpan[]) => {
    const done = track(delivery.deliver(batch));
    await drive(delivery, server, () => done.done);
    expect(done.error).toBeUndefined();
  };

  it("dead-letters the event Langfuse refused (400, with its message), retries the 500 alone, delivers the rest once", async () => {
    const batch = spans(4);
    const [, refused, flaky] = batch;
    let flakyFailures = 0;
    const stored: string[] = []; // observations Langfuse answered 201 for
    server.setFallback((req) =>
      multiStatus(req, (e) => {
        if (e.body.id === refused.span_id) return { status: 400, message: "Invalid request data", error: "startTime: Invalid datetime" };
        if (e.body.id === flaky.span_id && flakyFailures++ === 0) return { status: 500, message: "Internal Server Error" };
        if (e.type !== "trace-create") stored.push(e.body.id!);
        return undefined;
      }),
    );
    await deliverAll(batch);

    expect(dlq.letters).toHaveLength(1);
    expect(dlq.letters[0].spans.map((s) => s.span_id)).toEqual([refused.span_id]);
    expect(dlq.letters[0].error).toMatchObject({ class: "permanent", status: 400 });
    expect(dlq.letters[0].error.message).toContain("Invalid request data: startTime: Invalid datetime");
    const requests = server.requests.map(receive);
    expect(requests).toHaveLength(2);
    // The retry carries only the span whose event failed with 500, under the same event id.
    expect(observationIds(requests[1])).toEqual([flaky.span_id]);
    const flakyEvent = (events: WireEvent[]) => events.find((e) => e.body.id === flaky.span_id)!.id;
    expect(flakyEvent(requests[1])).toBe(flakyEvent(requests[0]));
    expect(stored.sort()).toEqual(batch.filter((s) => s !== refused).map((s) => s.span_id).sort());
    expect(delivery.stats().delivered).toBe(3);
  });

  it("a Langfuse v4 server in events_only mode: every span dead-lettered with a message saying to use mode otel", async () => {
    server.setFallback((req) =>
      multiStatus(req, () => ({ status: 400, message: "Event type not accepted", error: "Only score-create and sdk-log events are accepted in this write mode" })),
    );
    const batch = spans(3);
    await deliverAll(batch);
    expect(server.requests).toHaveLength(1);
    expect(dlq.letters).toHaveLength(1);
    expect(dlq.letters[0].spans).toHaveLength(3);
    expect(dlq.letters[0].error).toMatchObject({ class: "permanent", status: 400 });
    expect(dlq.letters[0].error.message).toContain(V4_EVENTS_ONLY_HINT);
    expect(dlq.letters[0].error.message).toContain("mode: otel");
    expect(dlq.letters[0].error.message).toContain("Event type not accepted");
  });

  it("a span too big for any Langfuse request is dead-lettered as a mapping error; its batch-mates are delivered", async () => {
    server.setFallback((req) => multiStatus(req));
    const [small] = spans(1);
    const [huge] = spans(1, { input: "z".repeat(LANGFUSE_MAX_REQUEST_BYTES) });
    await deliverAll([small, huge]);
    expect(dlq.letters).toHaveLength(1);
    expect(dlq.letters[0].spans.map((s) => s.span_id)).toEqual([huge.span_id]);
    expect(dlq.letters[0].error).toMatchObject({ class: "mapping", code: "TR_DELIVERY_MAPPING" });
    expect(dlq.letters[0].error.message).toContain(`more than the ${LANGFUSE_MAX_REQUEST_BYTES} Langfuse accepts per request`);
    expect(server.requests.flatMap(receive).map((e) => e.body.id)).toContain(small.span_id);
  });

  it("a 207 whose body cannot be read is retried, not counted as delivered", async () => {
    server.script({ status: 207, body: "<html>proxy</html>" });
    server.setFallback((req) => multiStatus(req));
    await deliverAll(spans(2));
    expect(server.requests.map((r) => r.status)).toEqual([207, 207]);
    expect(dlq.letters).toEqual([]);
  });
});

describe("langfuse ingestion client: a batch sent as several requests", () => {
  const big = () => spans(6, { attributes: { blob: "x".repeat(20_000) } });
  const send = async (server: ContractServer, request: ReturnType<typeof mapIngestion>) =>
    createIngestionClient({ baseUrl: server.url, ...KEYS }).send(request, { signal: new AbortController().signal, attempt: 1 });

  it("when a later request fails as a whole, only the spans it (and the unsent rest) carried are reported", async () => {
    const server = await startContractServer();
    try {
      const request = mapIngestion(big(), {}, 50_000);
      expect(request.chunks.length).toBeGreaterThan(2);
      server.script(multiStatusFor(request.chunks[0].body), { status: 503, body: "busy" });
      const err = await send(server, request).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(PartialFailureError);
      const [failure] = (err as PartialFailureError).failures;
      expect(failure.error).toBeInstanceOf(RetryableError);
      expect(failure.error.message).toBe("HTTP 503: busy");
      const later = new Set(request.chunks.slice(1).flatMap((c) => Object.values(c.spans)));
      expect(new Set(failure.keys)).toEqual(later);
      expect(server.requests).toHaveLength(2); // nothing sent after the failed request
    } finally {
      await server.close();
    }
  });

  it("when the first request fails as a whole, that error is thrown as is", async () => {
    const server = await startContractServer();
    try {
      server.script({ status: 401, body: "Invalid credentials" });
      await expect(send(server, mapIngestion(big(), {}, 50_000))).rejects.toMatchObject({ code: "TR_DELIVERY_PERMANENT", status: 401 });
    } finally {
      await server.close();
    }
  });
});

/** A 207 accepting every event of a body (for scripting answers before the request exists). */
function multiStatusFor(body: string) {
  return multiStatus({ body: Buffer.from(body) } as ReceivedRequest);
}

// processLangfuseBatch: the request envelope, one test per way a single event can be refused (each
// checked to the exact 207 entry), the limits, and what happens to scores and SDK logs.
import { describe, expect, it } from "vitest";
import { TracerelayError } from "../../../lib/errors.ts";
import { LangfuseEnvelopeError, processLangfuseBatch } from "./batch.ts";
import { isLangfuseTimestamp } from "./schema.ts";

const ctx = { projectId: "proj-test" };
const TS = "2026-01-01T10:00:00.000Z";

function spanCreate(id: string, body: Record<string, unknown> = {}): Record<string, unknown> {
  return { id, type: "span-create", timestamp: TS, body: { id: `obs-${id}`, traceId: "trace-1", ...body } };
}

/** Runs one event next to a valid sibling and returns the one error entry (the sibling must succeed). */
function errorFor(event: unknown, limits?: Parameters<typeof processLangfuseBatch>[1]["limits"]) {
  const { results, envelopes } = processLangfuseBatch({ batch: [event, spanCreate("sibling")] }, { ...ctx, limits });
  expect(results.successes).toEqual([{ id: "sibling", status: 201 }]);
  expect(envelopes.map((e) => e.piece?.id)).toEqual(["sibling"]);
  expect(results.errors).toHaveLength(1);
  return results.errors[0];
}

describe("request envelope", () => {
  it.each([
    ["a string", "batch", ["/ must be object"]],
    ["null", null, ["/ must be object"]],
    ["an array", [], ["/ must be object"]],
    ["an object without batch", { events: [] }, ["/batch is required"]],
    ["batch that is not an array", { batch: { id: "x" } }, ["/batch must be array"]],
  ])("refuses %s as a whole with 400 Invalid request data", (_label, body, details) => {
    let thrown: unknown;
    try {
      processLangfuseBatch(body, ctx);
    } catch (err) {
      thrown = err;
    }
    expect(thrown).toBeInstanceOf(LangfuseEnvelopeError);
    expect(thrown).toBeInstanceOf(TracerelayError);
    const error = thrown as LangfuseEnvelopeError;
    expect({ code: error.code, status: error.status, message: error.message, details: error.details }).toEqual({
      code: "TR_LANGFUSE_ENVELOPE",
      status: 400,
      message: "Invalid request data",
      details,
    });
  });

  it("accepts an empty batch and ignores the request metadata", () => {
    expect(processLangfuseBatch({ batch: [], metadata: { sdk: "x" } }, ctx)).toEqual({
      envelopes: [],
      results: { successes: [], errors: [] },
      scores: [],
      sdkLogs: [],
    });
  });
});

describe("per-event validation (400, siblings unaffected)", () => {
  it("unknown type names the type and lists every accepted type", () => {
    expect(errorFor({ id: "e", type: "span-upsert", timestamp: TS, body: {} })).toEqual({
      id: "e",
      status: 400,
      message: "Invalid request data",
      error:
        '/type "span-upsert" is not an accepted event type; accepted types: trace-create, span-create, span-update, ' +
        "generation-create, generation-update, event-create, agent-create, tool-create, chain-create, retriever-create, " +
        "evaluator-create, embedding-create, guardrail-create, observation-create, observation-update, score-create, sdk-log",
    });
  });

  it("missing type", () => {
    expect(errorFor({ id: "e", timestamp: TS, body: {} }).error).toMatch(/^\/type is required; accepted types: trace-create, /);
  });

  it.each([
    ["trace-update", "/type there is no trace-update event: send another trace-create with the same body.id to update a trace"],
    ["dataset-run-item-create", "/type dataset-run-item-create is only accepted from Langfuse itself, not on the public API"],
  ])("%s gets its own explanation", (type, error) => {
    expect(errorFor({ id: "e", type, timestamp: TS, body: { id: "x" } }).error).toBe(error);
  });

  it.each([
    ["span-create", "SpanEvent"],
    ["span-update", "SpanEvent"],
    ["generation-update", "GenerationEvent"],
    ["event-create", "EventCreateEvent"],
    ["tool-create", "GenerationEvent"],
    ["observation-create", "LegacyObservationEvent"],
    ["trace-create", "TraceEvent"],
  ])("%s without body.id", (type) => {
    const body = type.startsWith("observation") ? { type: "SPAN" } : { traceId: "t" };
    expect(errorFor({ id: "e", type, timestamp: TS, body })).toEqual({
      id: "e",
      status: 400,
      message: "Invalid request data",
      error: "/body/id is required",
    });
  });

  it.each([
    ["no offset", "2026-01-01T10:00:00.000"],
    ["date only", "2026-01-01"],
    ["no seconds", "2026-01-01T10:00Z"],
    ["space separator", "2026-01-01 10:00:00Z"],
    ["day that does not exist", "2026-02-30T10:00:00Z"],
    ["hour 24", "2026-01-01T24:00:00Z"],
    ["epoch millis", 1767261600000],
  ])("bad event timestamp: %s", (_label, timestamp) => {
    const error = errorFor({ ...spanCreate("e"), timestamp }).error;
    expect(error).toBe(
      typeof timestamp === "number"
        ? "/timestamp must be string"
        : "/timestamp must be an ISO 8601 date-time with seconds and an offset (Z or ±hh:mm), e.g. 2026-01-01T10:00:00.000Z",
    );
  });

  it("bad body timestamps are named by path", () => {
    const error = errorFor(spanCreate("e", { startTime: "yesterday", endTime: "2026-01-01T10:00:00.000+0200" })).error;
    expect(error).toBe(
      "/body/startTime must be an ISO 8601 date-time with seconds and an offset (Z or ±hh:mm), e.g. 2026-01-01T10:00:00.000Z; " +
        "/body/endTime must be an ISO 8601 date-time with seconds and an offset (Z or ±hh:mm), e.g. 2026-01-01T10:00:00.000Z",
    );
  });

  it.each([
    ["promptName without promptVersion", { promptName: "greet" }],
    ["promptVersion without promptName", { promptVersion: 2 }],
    ["promptVersion 0 counts as absent", { promptName: "greet", promptVersion: 0 }],
    ["empty promptName counts as absent", { promptName: "", promptVersion: 1 }],
  ])("%s", (_label, prompt) => {
    const event = { id: "e", type: "generation-create", timestamp: TS, body: { id: "g", traceId: "t", ...prompt } };
    expect(errorFor(event).error).toBe("/body promptName and promptVersion must both be set or both be absent");
  });

  it.each([
    ["both set", { promptName: "greet", promptVersion: 2 }],
    ["both absent", {}],
    ["both null", { promptName: null, promptVersion: null }],
  ])("prompt %s is fine", (_label, prompt) => {
    const event = { id: "e", type: "generation-update", timestamp: TS, body: { id: "g", traceId: "t", ...prompt } };
    expect(processLangfuseBatch({ batch: [event] }, ctx).results).toEqual({ successes: [{ id: "e", status: 201 }], errors: [] });
  });

  it("event id rules: 1–800 characters, no carriage return; errors echo the id or 'unknown'", () => {
    const message = "/id must be a string of 1 to 800 characters without carriage returns";
    expect(errorFor({ ...spanCreate("x"), id: "a\rb" })).toMatchObject({ id: "a\rb", error: message });
    expect(errorFor({ ...spanCreate("x"), id: "x".repeat(801) })).toMatchObject({ id: "x".repeat(801), error: message });
    expect(errorFor({ ...spanCreate("x"), id: "" })).toMatchObject({ id: "", error: message });
    expect(errorFor({ ...spanCreate("x"), id: 42 })).toMatchObject({ id: "unknown", error: "/id must be string" });
    expect(errorFor({ type: "span-create", timestamp: TS, body: { id: "b" } })).toMatchObject({ id: "unknown", error: "/id is required" });
    expect(errorFor("not an event")).toEqual({
      id: "unknown",
      status: 400,
      message: "Invalid request data",
      error: "/ must be an object (one ingestion event)",
    });
  });

  it("reports several problems of one event together, each with its path", () => {
    const error = errorFor(spanCreate("e", { level: "INFO", name: 7, tags: "x", traceId: "" })).error;
    expect(error).toBe(
      '/body/traceId must be a string of 1 to 800 characters without carriage returns; /body/name must be string or null; /body/level must be one of "DEBUG", "DEFAULT", "WARNING", "ERROR", null',
    );
  });

  it("modelParameters values and usage counts are typed", () => {
    const event = {
      id: "e",
      type: "generation-create",
      timestamp: TS,
      body: { id: "g", modelParameters: { temperature: { nested: 1 } }, usage: { input: 1.5 } },
    };
    expect(errorFor(event).error).toBe(
      "/body/modelParameters/temperature must be a string, number, boolean, null, an array of strings or an object of strings; /body/usage/input must be integer or null",
    );
  });

  it("holds strings to the canonical span limits (tracerelay limits)", () => {
    const trace = { id: "e", type: "trace-create", timestamp: TS, body: { id: "t", tags: ["x".repeat(201)], userId: "u".repeat(801) } };
    expect(errorFor(trace).error).toBe(
      "/body/userId must NOT have more than 800 characters; /body/tags/0 must NOT have more than 200 characters",
    );
  });
});

describe("limits", () => {
  const nested = (depth: number): unknown => {
    let value: unknown = "leaf";
    for (let i = 0; i < depth; i++) value = { child: value };
    return value;
  };

  it("input nested 64 levels is accepted, 65 is refused with the field's path", () => {
    expect(processLangfuseBatch({ batch: [spanCreate("ok", { input: nested(64) })] }, ctx).results.errors).toEqual([]);
    expect(errorFor(spanCreate("e", { input: nested(65) }))).toEqual({
      id: "e",
      status: 400,
      message: "Invalid request data",
      error: "/body/input is nested more than 64 levels deep",
    });
    expect(errorFor(spanCreate("e", { metadata: { a: nested(64) } })).error).toBe("/body/metadata is nested more than 64 levels deep");
  });

  it("survives hostile nesting far beyond the stack's depth", () => {
    let deep: unknown = [];
    for (let i = 0; i < 200_000; i++) deep = [deep];
    expect(errorFor(spanCreate("e", { output: deep })).error).toBe("/body/output is nested more than 64 levels deep");
  });

  it("an event over the byte limit gets its own 413", () => {
    const big = spanCreate("big", { input: "x".repeat(2_000) });
    const error = errorFor(big, { maxEventBytes: 1_000 });
    expect(error).toMatchObject({ id: "big", status: 413, message: "Event too large" });
    expect(error.error).toMatch(/^the event is \d+ bytes as JSON; the limit is 1000 bytes per event$/);
  });

  it("the default per-event limit is 1,000,000 bytes", () => {
    const justOver = spanCreate("big", { input: "x".repeat(1_000_000) });
    expect(errorFor(justOver)).toMatchObject({ id: "big", status: 413 });
  });

  it("events past the per-batch cap get 413 each; the first ones go through", () => {
    const batch = [spanCreate("a"), spanCreate("b"), spanCreate("c"), "junk"];
    const { results, envelopes } = processLangfuseBatch({ batch }, { ...ctx, limits: { maxEventsPerBatch: 2 } });
    expect(envelopes).toHaveLength(2);
    const error = "only the first 2 events of a batch are accepted; send this event in another batch";
    expect(results).toEqual({
      successes: [
        { id: "a", status: 201 },
        { id: "b", status: 201 },
      ],
      errors: [
        { id: "c", status: 413, message: "Too many events in batch", error },
        { id: "unknown", status: 413, message: "Too many events in batch", error },
      ],
    });
  });

  it("the default cap is 10,000 events", () => {
    const batch = Array.from({ length: 10_001 }, (_, i) => ({ id: `e${i}`, type: "sdk-log", timestamp: TS, body: { log: i } }));
    const { results, sdkLogs } = processLangfuseBatch({ batch }, ctx);
    expect(sdkLogs).toHaveLength(10_000);
    expect(results.errors).toEqual([
      {
        id: "e10000",
        status: 413,
        message: "Too many events in batch",
        error: "only the first 10000 events of a batch are accepted; send this event in another batch",
      },
    ]);
  });
});

describe("scores and SDK logs", () => {
  const score = (body: Record<string, unknown>) => ({ id: "s", type: "score-create", timestamp: TS, body });

  it("a valid score is a 201 success and is handed back, not turned into a span", () => {
    const body = { id: "score-1", name: "accuracy", value: 1, dataType: "BOOLEAN", traceId: "t", observationId: "o" };
    expect(processLangfuseBatch({ batch: [score(body)] }, ctx)).toEqual({
      envelopes: [],
      results: { successes: [{ id: "s", status: 201 }], errors: [] },
      scores: [{ eventId: "s", timestamp: TS, body }],
      sdkLogs: [],
    });
  });

  it.each([
    ["no target", { name: "q", value: 1 }, "/body provide exactly one of traceId (with optional observationId), sessionId or datasetRunId; observationId requires traceId"],
    ["two targets", { name: "q", value: 1, traceId: "t", datasetRunId: "d" }, "/body provide exactly one of traceId (with optional observationId), sessionId or datasetRunId; observationId requires traceId"],
    ["observation without trace", { name: "q", value: 1, sessionId: "s", observationId: "o" }, "/body provide exactly one of traceId (with optional observationId), sessionId or datasetRunId; observationId requires traceId"],
    ["empty name", { name: "", value: 1, traceId: "t" }, "/body/name must NOT have fewer than 1 characters"],
    ["missing value", { name: "q", traceId: "t" }, "/body/value is required"],
    ["NUMERIC with a string", { name: "q", value: "high", dataType: "NUMERIC", traceId: "t" }, "/body value must be a number when dataType is NUMERIC"],
    ["CATEGORICAL with a number", { name: "q", value: 3, dataType: "CATEGORICAL", traceId: "t" }, "/body value must be a string when dataType is CATEGORICAL"],
    ["TEXT too long", { name: "q", value: "x".repeat(501), dataType: "TEXT", traceId: "t" }, "/body value must be a string of 1 to 500 characters when dataType is TEXT"],
  ])("invalid score: %s", (_label, body, error) => {
    expect(errorFor(score(body))).toEqual({ id: "s", status: 400, message: "Invalid request data", error });
  });

  it("sdk-log is accepted but appears in neither successes nor errors (as Langfuse answers)", () => {
    const log = { level: "error", message: "flush failed" };
    const result = processLangfuseBatch({ batch: [{ id: "l", type: "sdk-log", timestamp: TS, body: { log } }] }, ctx);
    expect(result).toEqual({ envelopes: [], results: { successes: [], errors: [] }, scores: [], sdkLogs: [{ eventId: "l", log }] });
  });

  it("sdk-log without log is invalid", () => {
    expect(errorFor({ id: "l", type: "sdk-log", timestamp: TS, body: {} }).error).toBe("/body/log is required");
  });
});

describe("isLangfuseTimestamp", () => {
  it.each([
    ["2026-01-01T10:00:00Z", true],
    ["2026-01-01T10:00:00.123Z", true],
    ["2026-01-01T10:00:00.123456789+05:30", true],
    ["2024-02-29T00:00:00-08:00", true],
    ["2025-02-29T00:00:00Z", false],
    ["2026-01-01T10:00:00.1234567890Z", false],
    ["2026-01-01T10:00:60Z", false],
    ["2026-01-01T10:00:00+24:00", false],
    ["2026-01-01t10:00:00z", false],
  ])("%s → %s", (value, ok) => expect(isLangfuseTimestamp(value)).toBe(ok));
});

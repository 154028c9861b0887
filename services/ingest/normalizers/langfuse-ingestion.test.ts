// One Langfuse event → one span piece: ids, the trace root, kinds, placeholders vs. fields really set.
import { describe, expect, it } from "vitest";
import { toSpanId, toTraceId } from "../../../lib/span/ids.ts";
import type { CanonicalSpan } from "../../../lib/span/types.ts";
import { validateSpan } from "../../../lib/span/validate.ts";
import type { LangfuseObservationEvent, LangfuseSpanEvent, LangfuseTraceEvent } from "../langfuse/types.ts";
import {
  KIND_BY_OBSERVATION_TYPE,
  langfuseRootSpanId,
  metadataAttributes,
  normalizeLangfuseEnvironment,
  normalizeLangfuseEvent,
} from "./langfuse-ingestion.ts";

const ctx = { projectId: "proj-n" };
const TRACE_UUID = "5b8efff7-9803-4103-a269-b633813fc60c";
const TS = "2026-02-01T12:00:00.000Z";

const observation = (
  type: LangfuseObservationEvent["type"],
  body: Partial<LangfuseObservationEvent["body"]> = {},
  timestamp = TS,
): LangfuseObservationEvent => ({ id: `evt-${type}`, type, timestamp, body: { id: "obs-1", traceId: TRACE_UUID, ...body } });

const trace = (body: Partial<LangfuseTraceEvent["body"]> = {}, timestamp = TS): LangfuseTraceEvent => ({
  id: "evt-trace",
  type: "trace-create",
  timestamp,
  body: { id: TRACE_UUID, ...body },
});

function normalized(event: LangfuseSpanEvent) {
  const envelope = normalizeLangfuseEvent(event, ctx);
  expect(validateSpan(envelope.span)).toEqual({ ok: true, span: envelope.span });
  return { span: envelope.span, piece: envelope.piece! };
}

describe("ids", () => {
  it("a UUID trace id becomes the trace id without dashes; originals kept in attributes", () => {
    const { span } = normalized(observation("span-create", { id: "my-span", parentObservationId: "parent-obs" }));
    expect(span.trace_id).toBe("5b8efff798034103a269b633813fc60c");
    expect(span.span_id).toBe(toSpanId("my-span"));
    expect(span.parent_span_id).toBe(toSpanId("parent-obs"));
    expect(span.attributes).toMatchObject({
      "langfuse.trace.id": TRACE_UUID,
      "langfuse.observation.id": "my-span",
      "langfuse.observation.parent_id": "parent-obs",
    });
  });

  it("is deterministic: the same event maps to the same ids every time", () => {
    const a = normalizeLangfuseEvent(observation("span-create", { traceId: "any string id" }), ctx);
    const b = normalizeLangfuseEvent(observation("span-create", { traceId: "any string id" }), ctx);
    expect(a).toEqual(b);
    expect(a.span.trace_id).toBe(toTraceId("any string id"));
  });

  it("a trace-create is the root span; top-level observations hang under it", () => {
    const root = normalized(trace({ name: "chat" })).span;
    const child = normalized(observation("generation-create")).span;
    expect(root).toMatchObject({ span_id: langfuseRootSpanId(TRACE_UUID), parent_span_id: null, kind: "chain", name: "chat" });
    expect(child.parent_span_id).toBe(root.span_id);
    expect(child.trace_id).toBe(root.trace_id);
    expect(root.span_id).not.toBe(toSpanId(TRACE_UUID));
  });

  it("an observation without traceId is the root of a trace named after itself (Langfuse's wrapper trace)", () => {
    const { span } = normalized(observation("span-create", { traceId: undefined, id: "lonely" }));
    expect(span).toMatchObject({ trace_id: toTraceId("lonely"), parent_span_id: null });
    expect(span.attributes?.["langfuse.trace.id"]).toBe("lonely");
  });
});

describe("kinds", () => {
  it.each([
    ["span-create", "custom", "span"],
    ["generation-create", "llm", "generation"],
    ["event-create", "event", "event"],
    ["agent-create", "agent", "agent"],
    ["tool-create", "tool", "tool"],
    ["chain-create", "chain", "chain"],
    ["retriever-create", "retrieval", "retriever"],
    ["evaluator-create", "custom", "evaluator"],
    ["embedding-create", "embedding", "embedding"],
    ["guardrail-create", "guardrail", "guardrail"],
  ] as const)("%s → %s", (type, kind, langfuseType) => {
    const { span, piece } = normalized(observation(type));
    expect(span.kind).toBe(kind);
    expect(piece.fields).toContain("kind");
    expect(span.attributes?.["langfuse.observation.type"]).toBe(langfuseType);
  });

  it("legacy observation events take the type from the body, updates included", () => {
    const { span, piece } = normalized(observation("observation-update", { type: "GENERATION" }));
    expect(span.kind).toBe("llm");
    expect(piece).toMatchObject({ seq: 1 });
    expect(piece.fields).toContain("kind");
  });

  it("covers every Langfuse observation type", () => {
    expect(Object.keys(KIND_BY_OBSERVATION_TYPE).sort()).toEqual(
      ["AGENT", "CHAIN", "EMBEDDING", "EVALUATOR", "EVENT", "GENERATION", "GUARDRAIL", "RETRIEVER", "SPAN", "TOOL"].sort(),
    );
  });
});

describe("pieces: fields really set vs placeholders", () => {
  it("a bare update sets nothing but its attributes; placeholders keep the span valid", () => {
    const { span, piece } = normalized(observation("span-update", {}, "2026-02-01T12:00:05.000Z"));
    expect(piece).toEqual({ id: "evt-span-update", order: Date.parse("2026-02-01T12:00:05.000Z") * 1000, seq: 1, fields: ["attributes"] });
    expect(span).toMatchObject({
      name: "span",
      kind: "custom",
      start_time: "2026-02-01T12:00:05.000000Z",
      status: "unset",
      parent_span_id: langfuseRootSpanId(TRACE_UUID),
    });
    expect(span.attributes).toEqual({ "langfuse.trace.id": TRACE_UUID, "langfuse.observation.id": "obs-1" });
  });

  it("an update lists exactly what it carries", () => {
    const { piece, span } = normalized(
      observation("generation-update", {
        endTime: "2026-02-01T12:00:03.000Z",
        output: "hi",
        level: "ERROR",
        statusMessage: "boom",
        usageDetails: { input: 1, output: 2 },
      }),
    );
    expect(piece.fields.sort()).toEqual(["attributes", "end_time", "level", "output", "status", "status_message", "usage"].sort());
    expect(span).toMatchObject({ level: "error", status: "error", status_message: "boom", output: "hi" });
  });

  it("a create sets kind, start_time (the event timestamp when the body has none) and parent", () => {
    const { piece, span } = normalized(observation("span-create", {}, "2026-02-01T12:00:00.123456+00:00"));
    expect(piece.fields.sort()).toEqual(["attributes", "kind", "parent_span_id", "start_time"]);
    expect(span.start_time).toBe("2026-02-01T12:00:00.123456Z");
    expect(piece.order).toBe(Date.parse("2026-02-01T12:00:00.123Z") * 1000 + 456);
  });

  it("null and absent values are never 'set' (an update cannot erase)", () => {
    const { piece } = normalized(
      observation("generation-update", { name: null, input: null, output: undefined, model: null, level: null, metadata: null }),
    );
    expect(piece.fields).toEqual(["attributes"]);
  });

  it("falsy but real values are kept (0, false, empty string)", () => {
    const { span, piece } = normalized(observation("span-update", { input: 0, output: false, name: "" }));
    expect(span).toMatchObject({ input: 0, output: false, name: "" });
    expect(piece.fields).toEqual(expect.arrayContaining(["input", "output", "name"]));
  });

  it("an event is a point in time", () => {
    const { span } = normalized(observation("event-create", { startTime: "2026-02-01T11:59:59.000Z" }));
    expect(span).toMatchObject({ start_time: "2026-02-01T11:59:59.000000Z", end_time: "2026-02-01T11:59:59.000000Z", duration_ms: 0 });
  });

  it("an end before the start is clamped to the start", () => {
    const { span } = normalized(
      observation("span-create", { startTime: "2026-02-01T12:00:02.000Z", endTime: "2026-02-01T12:00:01.000Z" }),
    );
    expect(span).toMatchObject({ end_time: "2026-02-01T12:00:02.000000Z", duration_ms: 0 });
  });

  it("completionStartTime: first_token_ms when start is known in the piece; always the attribute for the fold", () => {
    const create = normalized(
      observation("generation-create", { startTime: "2026-02-01T12:00:00.000Z", completionStartTime: "2026-02-01T12:00:00.350Z" }),
    );
    expect(create.span.first_token_ms).toBe(350);
    const update = normalized(observation("generation-update", { completionStartTime: "2026-02-01T12:00:00.350Z" }));
    expect(update.span.first_token_ms).toBeUndefined();
    expect(update.piece.fields).not.toContain("first_token_ms");
    expect(update.span.attributes?.["tracerelay.completion_start_time"]).toBe("2026-02-01T12:00:00.350000Z");
  });

  it("model, parameters and prompt", () => {
    const { span } = normalized(
      observation("generation-create", {
        model: "gpt-4o",
        modelParameters: { temperature: 0.1, stop: ["\n"], response_format: { type: "json" } },
        promptName: "qa",
        promptVersion: 4,
      }),
    );
    expect(span).toMatchObject({
      model: "gpt-4o",
      model_parameters: { temperature: 0.1, stop: ["\n"], response_format: { type: "json" } },
      prompt: { name: "qa", version: 4 },
    });
  });

  it("a level other than ERROR clears a previous error status", () => {
    const { span, piece } = normalized(observation("span-update", { level: "WARNING" }));
    expect(span).toMatchObject({ level: "warning", status: "unset" });
    expect(piece.fields).toEqual(expect.arrayContaining(["level", "status"]));
  });
});

describe("trace-level fields", () => {
  it("maps the trace body onto the root span", () => {
    const { span, piece } = normalized(
      trace({
        name: "chat",
        timestamp: "2026-02-01T11:00:00.000Z",
        userId: "u",
        sessionId: "s",
        tags: ["a", "b"],
        release: "1.0.0",
        version: "v2",
        environment: "production",
        input: { q: 1 },
        output: { a: 2 },
        public: false,
        externalId: "ext-1",
        metadata: { team: "search" },
      }),
    );
    const expected: Partial<CanonicalSpan> = {
      name: "chat",
      kind: "chain",
      start_time: "2026-02-01T11:00:00.000000Z",
      user_id: "u",
      session_id: "s",
      tags: ["a", "b"],
      release: "1.0.0",
      environment: "production",
      input: { q: 1 },
      output: { a: 2 },
      attributes: {
        "langfuse.trace.id": TRACE_UUID,
        "langfuse.version": "v2",
        "langfuse.trace.public": false,
        "langfuse.trace.external_id": "ext-1",
        "langfuse.metadata.team": "search",
      },
      source: { format: "langfuse", convention: "langfuse" },
      project_id: "proj-n",
    };
    expect(span).toMatchObject(expected);
    expect(piece.seq).toBe(0);
  });
});

describe("helpers", () => {
  it.each([
    ["production", "production"],
    ["Staging", "staging"],
    ["langfuse-internal", "internal"],
    ["langfuselangfuse_x", "x"],
    ["has space", "default"],
    ["", "default"],
    ["x".repeat(50), "x".repeat(40)],
    [42, "default"],
  ])("environment %j → %s", (value, expected) => expect(normalizeLangfuseEnvironment(value)).toBe(expected));

  it("metadata: scalars kept, objects/arrays as JSON, non-object metadata under `metadata`", () => {
    expect(metadataAttributes({ n: 1, b: true, s: "x", z: null, o: { k: 1 }, a: [1, "2"] })).toEqual({
      "langfuse.metadata.n": 1,
      "langfuse.metadata.b": true,
      "langfuse.metadata.s": "x",
      "langfuse.metadata.z": null,
      "langfuse.metadata.o": '{"k":1}',
      "langfuse.metadata.a": '[1,"2"]',
    });
    expect(metadataAttributes("note")).toEqual({ "langfuse.metadata.metadata": "note" });
    expect(metadataAttributes([1])).toEqual({ "langfuse.metadata.metadata": "[1]" });
    expect(metadataAttributes(null)).toEqual({});
  });
});

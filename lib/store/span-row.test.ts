import { expect, test } from "vitest";
import { fromClickHouseTime, rowToSpan, spanLine, toClickHouseTime } from "./span-row.ts";
import { makeSpan } from "./testing.ts";

test("times convert between canonical RFC 3339 and ClickHouse text", () => {
  expect(toClickHouseTime("2026-03-01T10:00:00.123456Z")).toBe("2026-03-01 10:00:00.123456");
  expect(toClickHouseTime("2026-03-01T11:00:00+01:00")).toBe("2026-03-01 10:00:00.000000");
  expect(fromClickHouseTime("2026-03-01 10:00:00.123456")).toBe("2026-03-01T10:00:00.123456Z");
  expect(fromClickHouseTime("2026-03-01 10:00:00")).toBe("2026-03-01T10:00:00.000000Z");
  expect(() => toClickHouseTime("noon")).toThrow(TypeError);
});

test("a span is written as its own JSON line; a fold carries its version", () => {
  const span = makeSpan({ project_id: "p", trace_id: "a".repeat(32), span_id: "b".repeat(16) });
  expect(JSON.parse(spanLine(span))).toEqual(span);
  expect(JSON.parse(spanLine(span, 3))).toEqual({ ...span, _version: 3 });
});

test("a row as the engine returns it rebuilds the span; nulls, empty tags and null tuple members read back absent", () => {
  const row = {
    project_id: "p",
    trace_id: "a".repeat(32),
    span_id: "b".repeat(16),
    parent_span_id: null,
    name: "chat",
    kind: "llm",
    start_time: "2026-03-01 10:00:00.123456",
    end_time: null,
    duration_ms: null,
    status: "ok",
    level: "default",
    tags: [],
    model: "gpt-4o",
    input: '[{"role":"user","content":"hi"}]',
    output: "plain text answer",
    usage: { input_tokens: "12", output_tokens: 3, total_tokens: null, cache_read_tokens: null, cache_write_tokens: null, reasoning_tokens: null },
    cost: { input_usd: null, output_usd: null, total_usd: null, source: null },
    attributes: '{"k":"v"}',
    source: { format: "otlp", convention: null },
  };
  expect(rowToSpan(row)).toEqual({
    schema_version: 1,
    project_id: "p",
    trace_id: "a".repeat(32),
    span_id: "b".repeat(16),
    name: "chat",
    kind: "llm",
    start_time: "2026-03-01T10:00:00.123456Z",
    status: "ok",
    level: "default",
    model: "gpt-4o",
    input: [{ role: "user", content: "hi" }],
    output: "plain text answer",
    usage: { input_tokens: 12, output_tokens: 3 },
    attributes: { k: "v" },
    source: { format: "otlp" },
  });
});

import { expect, test } from "vitest";
import { fromClickHouseTime, rowToSpan, spanToRow, toClickHouseTime } from "./span-row.ts";
import { makeSpan } from "./testing.ts";

test("times convert between canonical RFC 3339 and ClickHouse text", () => {
  expect(toClickHouseTime("2026-03-01T10:00:00.123456Z")).toBe("2026-03-01 10:00:00.123456");
  expect(toClickHouseTime("2026-03-01T11:00:00+01:00")).toBe("2026-03-01 10:00:00.000000");
  expect(fromClickHouseTime("2026-03-01 10:00:00.123456")).toBe("2026-03-01T10:00:00.123456Z");
  expect(fromClickHouseTime("2026-03-01 10:00:00")).toBe("2026-03-01T10:00:00.000000Z");
  expect(() => toClickHouseTime("noon")).toThrow(TypeError);
});

test("a minimal span round-trips through a row; nulls and empty tags read back absent", () => {
  const span = makeSpan({ project_id: "p", trace_id: "a".repeat(32), span_id: "b".repeat(16), parent_span_id: null, tags: [] });
  const row = spanToRow(span, 3);
  expect(row._version).toBe(3);
  const { parent_span_id: _p, tags: _t, ...expected } = span;
  expect(rowToSpan(row)).toEqual(expected);
});

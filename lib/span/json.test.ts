import { describe, expect, it } from "vitest";
import { makeSpan } from "../store/testing.ts";
import { parseSpanBytes, parseSpanJson, spanBytes, spanJson } from "./json.ts";

describe("span JSON text", () => {
  it("returns the text a span was parsed from, byte for byte", () => {
    const text = ' {"trace_id":"a","span_id":"b", "name":"x"} ';
    expect(spanJson(parseSpanJson(text))).toBe(text);
  });
  it("encodes a span without remembered text once, equal to JSON.stringify", () => {
    const span = makeSpan({ trace_id: "a".repeat(32), span_id: "b".repeat(16), project_id: "p", name: "fresh" });
    expect(spanJson(span)).toBe(JSON.stringify(span));
    expect(spanJson(span)).toBe(spanJson(span));
  });
  it("a copy is a new span: its text is its own", () => {
    const span = parseSpanJson(JSON.stringify(makeSpan({ trace_id: "a".repeat(32), span_id: "b".repeat(16), project_id: "p", name: "before" })));
    const renamed = { ...span, name: "after" };
    expect(JSON.parse(spanJson(renamed)).name).toBe("after");
  });
  it("one parse per record buffer: readers of the same buffer share the span; its bytes are the record's", () => {
    const value = Buffer.from(JSON.stringify(makeSpan({ trace_id: "a".repeat(32), span_id: "b".repeat(16), project_id: "p", name: "shared" })));
    const first = parseSpanBytes(value);
    expect(parseSpanBytes(value)).toBe(first);
    expect(spanBytes(first)).toBe(value);
    expect(spanJson(first)).toBe(value.toString());
    const copy = Buffer.from(value);
    const other = parseSpanBytes(copy);
    expect(other).not.toBe(first);
    expect(other).toEqual(first);
  });
  it("encodes bytes for a span that has none, equal to its JSON", () => {
    const span = makeSpan({ trace_id: "a".repeat(32), span_id: "b".repeat(16), project_id: "p", name: "ü" });
    expect(spanBytes(span).toString()).toBe(JSON.stringify(span));
    expect(spanBytes(span)).toBe(spanBytes(span));
  });
});

import { describe, expect, it } from "vitest";
import { makeSpan } from "../store/testing.ts";
import { lazySpanFromBytes, parseSpanBytes, parseSpanJson, spanBytes, spanJson } from "./json.ts";

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

describe("lazy span from a record", () => {
  const full = makeSpan({ trace_id: "c".repeat(32), span_id: "d".repeat(16), project_id: "proj", name: "lazy" });
  const identity = { trace_id: full.trace_id, span_id: full.span_id, project_id: full.project_id };

  it("answers its identity and its bytes without parsing", () => {
    const value = Buffer.from("not json at all: a parse would throw");
    const span = lazySpanFromBytes(value, identity);
    expect([span.trace_id, span.span_id, span.project_id]).toEqual([identity.trace_id, identity.span_id, identity.project_id]);
    expect(spanBytes(span)).toBe(value);
    expect(() => span.name).toThrow(SyntaxError); // anything else needs the parse
  });
  it("reads, lists, spreads and serialises like the span it holds", () => {
    const value = Buffer.from(JSON.stringify(full));
    const span = lazySpanFromBytes(value, identity);
    expect(span.name).toBe("lazy");
    expect("kind" in span).toBe(true);
    expect(Object.keys(span)).toEqual(Object.keys(full));
    expect({ ...span }).toEqual(full);
    expect(JSON.parse(JSON.stringify(span))).toEqual(full);
    expect(structuredClone({ ...span })).toEqual(full);
    expect(spanJson(span)).toBe(value.toString());
  });
  it("shares the parse with other readers of the same buffer", () => {
    const value = Buffer.from(JSON.stringify(full));
    const eager = parseSpanBytes(value);
    const span = lazySpanFromBytes(value, identity);
    expect(span.input).toBe(eager.input);
  });
  it("is read-only", () => {
    const span = lazySpanFromBytes(Buffer.from(JSON.stringify(full)), identity);
    expect(() => {
      (span as { name: string }).name = "changed";
    }).toThrow(TypeError);
    expect(() => {
      delete (span as { name?: string }).name;
    }).toThrow(TypeError);
    expect(span.name).toBe("lazy");
  });
});

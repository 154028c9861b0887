import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { decodeOtlpTraces, OtlpDecodeError, OtlpErrorCode } from "./decode.ts";
import { ExportTraceServiceRequest } from "../../../lib/otlp/proto.ts";
import type { OtlpExportRequest } from "./types.ts";

const PROTOBUF = "application/x-protobuf";
const JSON_TYPE = "application/json";
const fixture = (name: string) => readFileSync(new URL(`./testdata/${name}`, import.meta.url));

function encode(object: Record<string, unknown>): Buffer {
  return Buffer.from(ExportTraceServiceRequest.encode(ExportTraceServiceRequest.fromObject(object)).finish());
}

function decodeError(fn: () => unknown): OtlpDecodeError {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(OtlpDecodeError);
    return err as OtlpDecodeError;
  }
  throw new Error("expected an OtlpDecodeError");
}

const TRACE = "5b8efff798038103d269b633813fc60c";
const SPAN = "eee19b7ec3c1b174";
const PARENT = "eee19b7ec3c1b173";

describe("decodeOtlpTraces: protobuf", () => {
  it("round-trips every field the neutral shape carries, nanoseconds exact", () => {
    const body = encode({
      resourceSpans: [
        {
          resource: { attributes: [{ key: "service.name", value: { stringValue: "svc" } }] },
          scopeSpans: [
            {
              scope: { name: "scope-a", version: "1.2.3", attributes: [{ key: "s", value: { boolValue: true } }] },
              spans: [
                {
                  traceId: Buffer.from(TRACE, "hex"),
                  spanId: Buffer.from(SPAN, "hex"),
                  parentSpanId: Buffer.from(PARENT, "hex"),
                  name: "chat gpt-4o",
                  kind: 3,
                  startTimeUnixNano: "1760000000123456789",
                  endTimeUnixNano: "1760000001987654321",
                  attributes: [
                    { key: "str", value: { stringValue: "x" } },
                    { key: "empty.str", value: { stringValue: "" } },
                    { key: "int", value: { intValue: 42 } },
                    { key: "zero", value: { intValue: 0 } },
                    { key: "big", value: { intValue: "9223372036854775807" } },
                    { key: "neg", value: { intValue: -5 } },
                    { key: "dbl", value: { doubleValue: 0.25 } },
                    { key: "nan", value: { doubleValue: Number.NaN } },
                    { key: "bool", value: { boolValue: false } },
                    { key: "bytes", value: { bytesValue: Buffer.from("hi") } },
                    { key: "arr", value: { arrayValue: { values: [{ stringValue: "a" }, { intValue: 1 }, {}] } } },
                    {
                      key: "kv",
                      value: { kvlistValue: { values: [{ key: "k", value: { arrayValue: { values: [{ boolValue: true }] } } }] } },
                    },
                    { key: "none", value: {} },
                    { key: "missing" },
                    { key: "dup", value: { stringValue: "first" } },
                    { key: "dup", value: { stringValue: "last" } },
                  ],
                  events: [
                    { name: "ev", timeUnixNano: "1760000000500000001", attributes: [{ key: "a", value: { intValue: 1 } }] },
                    { name: "no-time" },
                  ],
                  links: [{ traceId: Buffer.from(TRACE, "hex"), spanId: Buffer.from(PARENT, "hex") }],
                  status: { code: 2, message: "boom" },
                },
                { traceId: Buffer.from(TRACE, "hex"), spanId: Buffer.from(PARENT, "hex"), name: "bare" },
              ],
            },
          ],
        },
        {},
      ],
    });
    const expected: OtlpExportRequest = {
      resourceSpans: [
        {
          resource: { attributes: { "service.name": "svc" } },
          scopeSpans: [
            {
              scope: { name: "scope-a", version: "1.2.3", attributes: { s: true } },
              spans: [
                {
                  traceId: TRACE,
                  spanId: SPAN,
                  parentSpanId: PARENT,
                  name: "chat gpt-4o",
                  kind: 3,
                  startTimeUnixNano: 1760000000123456789n,
                  endTimeUnixNano: 1760000001987654321n,
                  attributes: {
                    str: "x",
                    "empty.str": "",
                    int: 42,
                    zero: 0,
                    big: "9223372036854775807",
                    neg: -5,
                    dbl: 0.25,
                    nan: "NaN",
                    bool: false,
                    bytes: "aGk=",
                    arr: ["a", 1, null],
                    kv: { k: [true] },
                    none: null,
                    missing: null,
                    dup: "last",
                  },
                  events: [
                    { name: "ev", timeUnixNano: 1760000000500000001n, attributes: { a: 1 } },
                    { name: "no-time", timeUnixNano: null, attributes: {} },
                  ],
                  status: { code: 2, message: "boom" },
                },
                {
                  traceId: TRACE,
                  spanId: PARENT,
                  parentSpanId: "",
                  name: "bare",
                  kind: 0,
                  startTimeUnixNano: null,
                  endTimeUnixNano: null,
                  attributes: {},
                  events: [],
                  status: { code: 0, message: "" },
                },
              ],
            },
          ],
        },
        { resource: { attributes: {} }, scopeSpans: [] },
      ],
    };
    expect(decodeOtlpTraces(body, PROTOBUF)).toStrictEqual(expected);
  });

  it("decodes what the real OTel proto exporter sent exactly like its JSON twin", () => {
    // Captured from @opentelemetry/exporter-trace-otlp-proto and -http (JSON) on one tracer provider.
    const fromProtobuf = decodeOtlpTraces(fixture("traceloop-openai.pb"), PROTOBUF);
    const fromJson = decodeOtlpTraces(fixture("traceloop-openai.json"), JSON_TYPE);
    expect(fromProtobuf).toStrictEqual(fromJson);
    const spans = fromProtobuf.resourceSpans.flatMap((r) => r.scopeSpans.flatMap((s) => s.spans));
    expect(spans.map((s) => s.name)).toEqual(["chat gpt-4o", "answer-question"]);
    expect(spans[0].attributes["gen_ai.usage.input_tokens"]).toBe(1200);
    expect(spans[0].attributes["gen_ai.response.finish_reasons"]).toEqual(["stop"]);
  });

  it("treats an empty body as an empty export", () => {
    expect(decodeOtlpTraces(Buffer.alloc(0), PROTOBUF)).toEqual({ resourceSpans: [] });
  });

  it("accepts application/protobuf and content-type parameters", () => {
    expect(decodeOtlpTraces(Buffer.alloc(0), "Application/X-Protobuf; proto=x")).toEqual({ resourceSpans: [] });
    expect(decodeOtlpTraces(Buffer.alloc(0), "application/protobuf")).toEqual({ resourceSpans: [] });
  });

  it("rejects malformed protobuf with TR_OTLP_DECODE", () => {
    // field 1 (resource_spans), length-delimited, claiming far more bytes than follow
    const err = decodeError(() => decodeOtlpTraces(Buffer.from([0x0a, 0xff, 0xff, 0x03, 0x01]), PROTOBUF));
    expect(err.code).toBe(OtlpErrorCode.DECODE);
    expect(err.message).toMatch(/invalid OTLP protobuf body/);
    const truncated = fixture("traceloop-openai.pb").subarray(0, 300);
    expect(decodeError(() => decodeOtlpTraces(truncated, PROTOBUF)).code).toBe("TR_OTLP_DECODE");
    // wire type 7 does not exist
    expect(decodeError(() => decodeOtlpTraces(Buffer.from([0x0f]), PROTOBUF)).code).toBe("TR_OTLP_DECODE");
  });
});

describe("decodeOtlpTraces: JSON", () => {
  const body = (o: unknown) => Buffer.from(JSON.stringify(o));
  const oneSpan = (span: Record<string, unknown>) =>
    decodeOtlpTraces(body({ resourceSpans: [{ scopeSpans: [{ spans: [span] }] }] }), JSON_TYPE).resourceSpans[0]
      .scopeSpans[0].spans[0];

  it("reads hex ids, and base64 ids as some encoders write them", () => {
    const b64 = (hex: string) => Buffer.from(hex, "hex").toString("base64");
    expect(oneSpan({ traceId: TRACE.toUpperCase(), spanId: SPAN }).traceId).toBe(TRACE);
    const s = oneSpan({ traceId: b64(TRACE), spanId: b64(SPAN), parentSpanId: b64(PARENT) });
    expect([s.traceId, s.spanId, s.parentSpanId]).toEqual([TRACE, SPAN, PARENT]);
  });

  it("keeps an unreadable id verbatim for a per-span rejection downstream", () => {
    expect(oneSpan({ traceId: "xyz", spanId: "abc" })).toMatchObject({ traceId: "xyz", spanId: "abc" });
  });

  it("reads intValue and times as strings or numbers, enums as ints or names, snake_case keys", () => {
    const s = oneSpan({
      trace_id: TRACE,
      span_id: SPAN,
      kind: "SPAN_KIND_SERVER",
      start_time_unix_nano: "1760000000123456789",
      endTimeUnixNano: 1760000000250000000, // a JSON number: 128 ns off once parsed, recovered to the µs
      attributes: [
        { key: "a", value: { intValue: "7" } },
        { key: "b", value: { int_value: 8 } },
        { key: "c", value: { double_value: "1.5" } },
        { key: "d", value: { kvlist_value: { values: [{ key: "x", value: { string_value: "y" } }] } } },
        { key: "e", value: { array_value: { values: [{ bool_value: true }] } } },
        { key: "f", value: { bytes_value: "aGk=" } },
        { key: "g", value: { futureValue: 1 } },
      ],
      status: { code: "STATUS_CODE_ERROR", message: "x" },
      unknownField: { ignored: true },
    });
    expect(s.kind).toBe(2);
    expect(s.startTimeUnixNano).toBe(1760000000123456789n);
    expect(s.endTimeUnixNano).toBe(1760000000250000000n);
    expect(s.attributes).toStrictEqual({ a: 7, b: 8, c: 1.5, d: { x: "y" }, e: [true], f: "aGk=", g: null });
    expect(s.status).toEqual({ code: 2, message: "x" });
  });

  it("does not let a __proto__ attribute key change the record's prototype", () => {
    const s = oneSpan({ attributes: [{ key: "__proto__", value: { stringValue: "x" } }] });
    expect(Object.getPrototypeOf(s.attributes)).toBe(Object.prototype);
    expect(Object.getOwnPropertyDescriptor(s.attributes, "__proto__")?.value).toBe("x");
  });

  it("treats {} as an empty export", () => {
    expect(decodeOtlpTraces(body({}), JSON_TYPE)).toEqual({ resourceSpans: [] });
  });

  it("rejects a body that is not JSON with TR_BODY_INVALID_JSON, like every JSON route", () => {
    const err = decodeError(() => decodeOtlpTraces(Buffer.from("{"), JSON_TYPE));
    expect(err.code).toBe(OtlpErrorCode.INVALID_JSON);
    expect(err.message).toMatch(/invalid JSON/);
  });

  it.each([
    ["a top-level array", "[]", /\$ must be a JSON object/],
    ["resourceSpans not an array", '{"resourceSpans":{}}', /\$\.resourceSpans must be an array/],
    ["a span that is a string", '{"resourceSpans":[{"scopeSpans":[{"spans":["x"]}]}]}', /spans\[0\] must be an object/],
    [
      "an attribute without a string key",
      '{"resourceSpans":[{"scopeSpans":[{"spans":[{"attributes":[{"key":1}]}]}]}]}',
      /spans\[0\]\.attributes\[0\] must be \{key: string, value\}/,
    ],
    ["a numeric name", '{"resourceSpans":[{"scopeSpans":[{"spans":[{"name":5}]}]}]}', /spans\[0\]\.name must be a string/],
    [
      "a non-integer intValue",
      '{"resourceSpans":[{"scopeSpans":[{"spans":[{"attributes":[{"key":"a","value":{"intValue":"1.5"}}]}]}]}]}',
      /intValue must be an integer/,
    ],
    ["a negative time", '{"resourceSpans":[{"scopeSpans":[{"spans":[{"startTimeUnixNano":"-1"}]}]}]}', /startTimeUnixNano/],
    ["an unknown enum name", '{"resourceSpans":[{"scopeSpans":[{"spans":[{"kind":"CLIENT"}]}]}]}', /kind must be/],
  ])("rejects %s with TR_OTLP_DECODE and the path", (_label, text, message) => {
    const err = decodeError(() => decodeOtlpTraces(Buffer.from(text), JSON_TYPE));
    expect(err.code).toBe(OtlpErrorCode.DECODE);
    expect(err.message).toMatch(message);
  });
});

describe("decodeOtlpTraces: content type", () => {
  it("refuses other media types with TR_OTLP_UNSUPPORTED_CONTENT_TYPE", () => {
    const err = decodeError(() => decodeOtlpTraces(Buffer.from("{}"), "text/plain"));
    expect(err.code).toBe(OtlpErrorCode.UNSUPPORTED_CONTENT_TYPE);
    expect(err.message).toMatch(/application\/x-protobuf or application\/json/);
  });

  it("accepts application/json with a charset", () => {
    expect(decodeOtlpTraces(Buffer.from("{}"), "application/json; charset=utf-8")).toEqual({ resourceSpans: [] });
  });
});

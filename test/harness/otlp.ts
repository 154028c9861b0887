// Hand-built OTLP/JSON ExportTraceServiceRequest bodies for tests that need exact control over ids
// and attributes (bad input, crash safety, benchmarks). Field names and encodings follow the OTLP/JSON
// mapping: hex trace/span ids, int64 as decimal strings, attributes as {key, value: AnyValue}.
import { randomBytes } from "node:crypto";

export type AttrValue = string | number | boolean | string[];

export interface SpanSpec {
  traceId: string;
  spanId: string;
  parentSpanId?: string;
  name: string;
  /** OTLP SpanKind number: 1 internal, 2 server, 3 client. Default 1. */
  kind?: number;
  startMs?: number;
  durationMs?: number;
  attributes?: Record<string, AttrValue>;
}

export function anyValue(v: AttrValue): Record<string, unknown> {
  if (Array.isArray(v)) return { arrayValue: { values: v.map((s) => ({ stringValue: s })) } };
  if (typeof v === "string") return { stringValue: v };
  if (typeof v === "boolean") return { boolValue: v };
  return Number.isInteger(v) ? { intValue: String(v) } : { doubleValue: v };
}

export function attributes(attrs: Record<string, AttrValue>): Array<{ key: string; value: Record<string, unknown> }> {
  return Object.entries(attrs).map(([key, value]) => ({ key, value: anyValue(value) }));
}

export function otlpSpan(s: SpanSpec): Record<string, unknown> {
  const start = BigInt(s.startMs ?? Date.now()) * 1_000_000n;
  const end = start + BigInt(Math.round((s.durationMs ?? 5) * 1_000_000));
  return {
    traceId: s.traceId,
    spanId: s.spanId,
    ...(s.parentSpanId ? { parentSpanId: s.parentSpanId } : {}),
    name: s.name,
    kind: s.kind ?? 1,
    startTimeUnixNano: start.toString(),
    endTimeUnixNano: end.toString(),
    attributes: attributes(s.attributes ?? {}),
    status: {},
  };
}

/** One resource, one scope, the given spans (already built with `otlpSpan`, or raw objects). */
export function otlpRequest(spans: Array<Record<string, unknown>>, resource: Record<string, AttrValue> = { "service.name": "e2e-test" }): Record<string, unknown> {
  return {
    resourceSpans: [
      {
        resource: { attributes: attributes(resource) },
        scopeSpans: [{ scope: { name: "tracerelay-e2e", version: "1.0.0" }, spans }],
      },
    ],
  };
}

export const hex = (bytes: number) => randomBytes(bytes).toString("hex");

// ---- a minimal protobuf writer, for byte-exact hostile OTLP/protobuf bodies ----

function varint(n: number | bigint): Buffer {
  let v = BigInt(n);
  const out: number[] = [];
  while (v >= 0x80n) {
    out.push(Number((v & 0x7fn) | 0x80n));
    v >>= 7n;
  }
  out.push(Number(v));
  return Buffer.from(out);
}

/** A length-delimited field (wire type 2). */
export function pbBytes(field: number, value: Buffer | string): Buffer {
  const b = typeof value === "string" ? Buffer.from(value) : value;
  return Buffer.concat([varint((field << 3) | 2), varint(b.length), b]);
}

/** A fixed64 field (wire type 1). */
export function pbFixed64(field: number, value: bigint): Buffer {
  const b = Buffer.alloc(8);
  b.writeBigUInt64LE(value);
  return Buffer.concat([varint((field << 3) | 1), b]);
}

/** A varint field (wire type 0). */
export function pbVarint(field: number, value: number): Buffer {
  return Buffer.concat([varint(field << 3), varint(value)]);
}

/**
 * ExportTraceServiceRequest (protobuf) with one span whose attribute `deep` is an AnyValue of arrays
 * nested `depth` levels around a string.
 */
export function protoRequestWithNestedAttribute(traceId: string, spanId: string, depth: number): Buffer {
  let value = pbBytes(1, "leaf"); // AnyValue.string_value
  for (let i = 0; i < depth; i++) value = pbBytes(5, pbBytes(1, value)); // AnyValue.array_value{values}
  const attr = Buffer.concat([pbBytes(1, "deep"), pbBytes(2, value)]); // KeyValue
  const now = BigInt(Date.now()) * 1_000_000n;
  const span = Buffer.concat([
    pbBytes(1, Buffer.from(traceId, "hex")),
    pbBytes(2, Buffer.from(spanId, "hex")),
    pbBytes(5, "deep-proto"),
    pbVarint(6, 1),
    pbFixed64(7, now),
    pbFixed64(8, now + 1_000_000n),
    pbBytes(9, attr),
  ]);
  const scopeSpans = Buffer.concat([pbBytes(1, pbBytes(1, "tracerelay-e2e")), pbBytes(2, span)]);
  const resourceSpans = Buffer.concat([pbBytes(1, Buffer.alloc(0)), pbBytes(2, scopeSpans)]);
  return pbBytes(1, resourceSpans);
}

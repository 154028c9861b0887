// OTLP AnyValue / KeyValue building, shared by the protobuf and the JSON encodings. The two differ only
// in how ids, unix-nano times and int64 values are written, so the request tree is built once with a
// `WireCodec` that knows the target:
//   protobuf (protobufjs encode): ids as bytes, fixed64 as {low, high} Long-likes, int64 as numbers
//   OTLP/JSON (spec mapping):     ids as lowercase hex, fixed64 and int64 as decimal strings, bytes base64
import { Buffer } from "node:buffer";

export interface WireCodec {
  id(hex: string): unknown;
  nanos(value: bigint): unknown;
  int(value: number): unknown;
  bytes(value: Uint8Array): unknown;
}

export const PROTOBUF_CODEC: WireCodec = {
  id: (hex) => Buffer.from(hex, "hex"),
  nanos: (n) => ({ low: Number(n & 0xffffffffn) | 0, high: Number((n >> 32n) & 0xffffffffn) | 0, unsigned: true }),
  int: (n) => n,
  bytes: (b) => b,
};

export const JSON_CODEC: WireCodec = {
  id: (hex) => hex,
  nanos: (n) => n.toString(),
  int: (n) => String(n),
  bytes: (b) => Buffer.from(b).toString("base64"),
};

export interface KeyValue {
  key: string;
  value: Record<string, unknown>;
}

/**
 * Attribute keys whose convention type is double: written as doubleValue even when the number is
 * integral (temperature 1 is still a double), so typed receivers do not see an int64.
 */
const DOUBLE_KEYS = new Set([
  "gen_ai.request.temperature",
  "gen_ai.request.top_p",
  "gen_ai.request.frequency_penalty",
  "gen_ai.request.presence_penalty",
  "gen_ai.response.time_to_first_chunk",
]);

/** Any JSON-like value → AnyValue; undefined and null give undefined (the key is dropped). */
export function anyValue(v: unknown, codec: WireCodec, double = false): Record<string, unknown> | undefined {
  if (v === undefined || v === null) return undefined;
  switch (typeof v) {
    case "string":
      return { stringValue: v };
    case "boolean":
      return { boolValue: v };
    case "number":
      if (!Number.isFinite(v)) return { stringValue: String(v) };
      return Number.isSafeInteger(v) && !double ? { intValue: codec.int(v) } : { doubleValue: v };
    case "bigint":
      return { intValue: codec.int(Number(v)) };
    case "object":
      if (v instanceof Uint8Array) return { bytesValue: codec.bytes(v) };
      if (Array.isArray(v)) {
        // Array elements keep their place: a null element becomes an empty AnyValue, not a gap.
        return { arrayValue: { values: v.map((x) => anyValue(x, codec) ?? {}) } };
      }
      return { kvlistValue: { values: keyValues(v as Record<string, unknown>, codec) } };
    default:
      return { stringValue: String(v) };
  }
}

/** A flat or nested record → KeyValue list, skipping undefined/null values. */
export function keyValues(attrs: Record<string, unknown>, codec: WireCodec): KeyValue[] {
  const out: KeyValue[] = [];
  for (const key of Object.keys(attrs)) {
    const value = anyValue(attrs[key], codec, DOUBLE_KEYS.has(key));
    if (value) out.push({ key, value });
  }
  return out;
}

// OTLP/HTTP JSON body → neutral OtlpExportRequest (see types.ts for the invariants).
//
// Follows the OTLP/JSON encoding (https://opentelemetry.io/docs/specs/otlp/#json-protobuf-encoding) and
// tolerates what real encoders send besides it:
// - keys in lowerCamelCase (spec) or snake_case (protobuf field names, some hand-rolled exporters);
// - trace/span ids as hex (spec) or base64 (the protobuf-JSON default of several encoders);
// - 64-bit integers (`intValue`, `*UnixNano`) as JSON strings (spec) or numbers;
// - enums (`kind`, `status.code`) as integers (spec) or as their names ("SPAN_KIND_CLIENT").
// A wrong JSON type on a known field fails the whole request with its path; an unreadable id is kept
// verbatim so the normalizer rejects only that span. Unknown fields are ignored, as OTLP requires.
import { otlpIdToHex } from "../../../lib/span/ids.ts";
import { setAttribute } from "./attributes.ts";
import { OtlpDecodeError, OtlpErrorCode } from "./errors.ts";
import type {
  Attributes,
  AttrValue,
  OtlpEvent,
  OtlpExportRequest,
  OtlpResourceSpans,
  OtlpScopeSpans,
  OtlpSpan,
} from "./types.ts";

type Json = Record<string, unknown>;

const SPAN_KINDS: Record<string, number> = {
  SPAN_KIND_UNSPECIFIED: 0,
  SPAN_KIND_INTERNAL: 1,
  SPAN_KIND_SERVER: 2,
  SPAN_KIND_CLIENT: 3,
  SPAN_KIND_PRODUCER: 4,
  SPAN_KIND_CONSUMER: 5,
};
const STATUS_CODES: Record<string, number> = { STATUS_CODE_UNSET: 0, STATUS_CODE_OK: 1, STATUS_CODE_ERROR: 2 };

export function decodeJsonTraces(body: Buffer): OtlpExportRequest {
  let root: unknown;
  try {
    root = JSON.parse(body.toString("utf8"));
  } catch (err) {
    throw new OtlpDecodeError(`invalid JSON: ${(err as Error).message}`, OtlpErrorCode.INVALID_JSON, { cause: err });
  }
  if (!isObject(root)) throw shapeError("$", "must be a JSON object (ExportTraceServiceRequest)");
  const resourceSpans = list(root, "resourceSpans", "resource_spans", "$");
  return { resourceSpans: resourceSpans.map((rs, i) => toResourceSpans(rs, `resourceSpans[${i}]`)) };
}

function toResourceSpans(rs: unknown, path: string): OtlpResourceSpans {
  if (!isObject(rs)) throw shapeError(path, "must be an object");
  const resource = rs.resource;
  if (resource != null && !isObject(resource)) throw shapeError(`${path}.resource`, "must be an object");
  const scopeSpans = list(rs, "scopeSpans", "scope_spans", path);
  return {
    resource: { attributes: resource ? toAttributes(resource.attributes, `${path}.resource.attributes`) : {} },
    scopeSpans: scopeSpans.map((ss, i) => toScopeSpans(ss, `${path}.scopeSpans[${i}]`)),
  };
}

function toScopeSpans(ss: unknown, path: string): OtlpScopeSpans {
  if (!isObject(ss)) throw shapeError(path, "must be an object");
  const scope = ss.scope;
  if (scope != null && !isObject(scope)) throw shapeError(`${path}.scope`, "must be an object");
  const spans = list(ss, "spans", "spans", path);
  return {
    scope: {
      name: scope ? str(scope.name, `${path}.scope.name`) : "",
      version: scope ? str(scope.version, `${path}.scope.version`) : "",
      attributes: scope ? toAttributes(scope.attributes, `${path}.scope.attributes`) : {},
    },
    spans: spans.map((s, i) => toSpan(s, `${path}.spans[${i}]`)),
  };
}

function toSpan(s: unknown, path: string): OtlpSpan {
  if (!isObject(s)) throw shapeError(path, "must be an object");
  const status = s.status;
  if (status != null && !isObject(status)) throw shapeError(`${path}.status`, "must be an object");
  const events = list(s, "events", "events", path);
  return {
    traceId: id(pick(s, "traceId", "trace_id"), 16, `${path}.traceId`),
    spanId: id(pick(s, "spanId", "span_id"), 8, `${path}.spanId`),
    parentSpanId: id(pick(s, "parentSpanId", "parent_span_id"), 8, `${path}.parentSpanId`),
    name: str(s.name, `${path}.name`),
    kind: enumValue(s.kind, SPAN_KINDS, `${path}.kind`),
    startTimeUnixNano: nanos(pick(s, "startTimeUnixNano", "start_time_unix_nano"), `${path}.startTimeUnixNano`),
    endTimeUnixNano: nanos(pick(s, "endTimeUnixNano", "end_time_unix_nano"), `${path}.endTimeUnixNano`),
    attributes: toAttributes(s.attributes, `${path}.attributes`),
    events: events.map((e, i) => toEvent(e, `${path}.events[${i}]`)),
    status: status
      ? {
          code: enumValue(status.code, STATUS_CODES, `${path}.status.code`),
          message: str(status.message, `${path}.status.message`),
        }
      : { code: 0, message: "" },
  };
}

function toEvent(e: unknown, path: string): OtlpEvent {
  if (!isObject(e)) throw shapeError(path, "must be an object");
  return {
    name: str(e.name, `${path}.name`),
    timeUnixNano: nanos(pick(e, "timeUnixNano", "time_unix_nano"), `${path}.timeUnixNano`),
    attributes: toAttributes(e.attributes, `${path}.attributes`),
  };
}

function toAttributes(kvs: unknown, path: string): Attributes {
  const out: Attributes = {};
  if (kvs == null) return out;
  if (!Array.isArray(kvs)) throw shapeError(path, "must be an array of key/value objects");
  for (let i = 0; i < kvs.length; i++) {
    const kv = kvs[i];
    if (!isObject(kv) || typeof kv.key !== "string") throw shapeError(`${path}[${i}]`, "must be {key: string, value}");
    setAttribute(out, kv.key, kv.value == null ? null : toValue(kv.value, `${path}[${i}].value`));
  }
  return out;
}

function toValue(v: unknown, path: string): AttrValue {
  if (!isObject(v)) throw shapeError(path, "must be an AnyValue object");
  const sv = pick(v, "stringValue", "string_value");
  if (sv !== undefined) return str(sv, path);
  const iv = pick(v, "intValue", "int_value");
  if (iv !== undefined) return int64(iv, path);
  const dv = pick(v, "doubleValue", "double_value");
  if (dv !== undefined) return double(dv, path);
  const bv = pick(v, "boolValue", "bool_value");
  if (bv !== undefined) {
    if (typeof bv !== "boolean") throw shapeError(path, "boolValue must be a boolean");
    return bv;
  }
  const av = pick(v, "arrayValue", "array_value");
  if (av !== undefined) {
    if (!isObject(av)) throw shapeError(path, "arrayValue must be an object");
    const values = list(av, "values", "values", path);
    return values.map((item, i) => (item == null ? null : toValue(item, `${path}.arrayValue.values[${i}]`)));
  }
  const kv = pick(v, "kvlistValue", "kvlist_value");
  if (kv !== undefined) {
    if (!isObject(kv)) throw shapeError(path, "kvlistValue must be an object");
    return toAttributes(kv.values, `${path}.kvlistValue.values`);
  }
  const bytes = pick(v, "bytesValue", "bytes_value");
  if (bytes !== undefined) return str(bytes, path); // base64 already
  return null; // empty AnyValue, or a value kind this decoder does not know (forward compatibility)
}

// ---- scalar readers -------------------------------------------------------------------------------

function pick(o: Json, camel: string, snake: string): unknown {
  const v = o[camel];
  return v === undefined ? o[snake] : v;
}

function list(o: Json, camel: string, snake: string, path: string): unknown[] {
  const v = pick(o, camel, snake);
  if (v == null) return [];
  if (!Array.isArray(v)) throw shapeError(`${path}.${camel}`, "must be an array");
  return v;
}

function str(v: unknown, path: string): string {
  if (v == null) return "";
  if (typeof v !== "string") throw shapeError(path, "must be a string");
  return v;
}

/** Hex (spec) or base64 ids; an unreadable id is kept verbatim for a per-span rejection downstream. */
function id(v: unknown, bytes: 16 | 8, path: string): string {
  if (v == null || v === "") return "";
  if (typeof v !== "string") throw shapeError(path, "must be a hex string");
  const hex = otlpIdToHex(v, bytes);
  return hex === null ? "" : hex === "invalid" ? v : hex;
}

const DIGITS = /^\d+$/;

function nanos(v: unknown, path: string): bigint | null {
  if (v == null || v === "" || v === 0 || v === "0") return null;
  if (typeof v === "string" && DIGITS.test(v)) return BigInt(v);
  // As a JSON number a unix-nano time (~1.7e18) is beyond 2^53 and arrives up to 128 ns off; rounding
  // to the microsecond (the canonical precision) recovers the exact value the sender meant.
  if (typeof v === "number" && Number.isInteger(v) && v > 0) return BigInt(Math.round(v / 1000)) * 1000n;
  throw shapeError(path, "must be unsigned integer nanoseconds (a decimal string or number)");
}

function int64(v: unknown, path: string): number | string {
  if (typeof v === "number" && Number.isInteger(v)) return v;
  if (typeof v === "string" && /^-?\d+$/.test(v)) {
    const n = Number(v);
    // Beyond 2^53 a JS number would silently change the value; keep the exact decimal instead.
    return Number.isSafeInteger(n) ? n : v;
  }
  throw shapeError(path, "intValue must be an integer (number or decimal string)");
}

/** Non-finite doubles stay strings ("NaN", "Infinity"): JSON has no number for them. */
function double(v: unknown, path: string): number | string {
  if (typeof v === "number") return v;
  // protobuf JSON spells non-finite doubles as strings; numbers as strings also occur.
  if (typeof v === "string" && v.trim() !== "") {
    const n = Number(v);
    if (Number.isFinite(n)) return n;
    if (v === "NaN" || v === "Infinity" || v === "-Infinity") return v;
  }
  throw shapeError(path, "doubleValue must be a number");
}

function enumValue(v: unknown, names: Record<string, number>, path: string): number {
  if (v == null) return 0;
  if (typeof v === "number" && Number.isInteger(v)) return v;
  if (typeof v === "string" && v in names) return names[v];
  throw shapeError(path, `must be an integer enum value or one of ${Object.keys(names).join(", ")}`);
}

function isObject(v: unknown): v is Json {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

function shapeError(path: string, problem: string): OtlpDecodeError {
  return new OtlpDecodeError(`invalid OTLP JSON trace export: ${path} ${problem}`);
}

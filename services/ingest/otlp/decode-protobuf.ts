// OTLP/HTTP protobuf body → neutral OtlpExportRequest (see types.ts for the invariants).
//
// protobufjs decodes into message instances whose UNSET fields live on the prototype as defaults
// ("" for strings, Long(0) for 64-bit numbers, null for sub-messages); set fields are own properties.
// This walker reads the instances directly (no toObject(), which would copy every message once more)
// and uses own-property checks where "unset" and "default" must be told apart (AnyValue's oneof).
import type protobuf from "protobufjs";
import { setAttribute } from "./attributes.ts";
import { OtlpDecodeError } from "./errors.ts";
import { createReader, ExportTraceServiceRequest } from "../../../lib/otlp/proto.ts";
import type {
  Attributes,
  AttrValue,
  OtlpEvent,
  OtlpExportRequest,
  OtlpResourceSpans,
  OtlpScopeSpans,
  OtlpSpan,
} from "./types.ts";

// Shapes of the decoded protobufjs instances, as far as this walker reads them.
interface PbLong {
  toNumber(): number;
  toString(): string;
}
interface PbAnyValue {
  stringValue?: string;
  boolValue?: boolean;
  intValue?: PbLong | number;
  doubleValue?: number;
  arrayValue?: { values: PbAnyValue[] } | null;
  kvlistValue?: { values: PbKeyValue[] } | null;
  bytesValue?: Uint8Array;
}
interface PbKeyValue {
  key: string;
  value: PbAnyValue | null;
}
interface PbEvent {
  timeUnixNano: bigint | PbLong;
  name: string;
  attributes: PbKeyValue[];
}
interface PbSpan {
  traceId: Uint8Array;
  spanId: Uint8Array;
  parentSpanId: Uint8Array;
  name: string;
  kind: number;
  startTimeUnixNano: bigint | PbLong;
  endTimeUnixNano: bigint | PbLong;
  attributes: PbKeyValue[];
  events: PbEvent[];
  status: { code: number; message: string } | null;
}
interface PbScopeSpans {
  scope: { name: string; version: string; attributes: PbKeyValue[] } | null;
  spans: PbSpan[];
}
interface PbResourceSpans {
  resource: { attributes: PbKeyValue[] } | null;
  scopeSpans: PbScopeSpans[];
}
interface PbExportRequest {
  resourceSpans: PbResourceSpans[];
}

const hasOwn = Object.hasOwn;

export function decodeProtobufTraces(body: Buffer): OtlpExportRequest {
  let decoded: PbExportRequest;
  try {
    decoded = (ExportTraceServiceRequest as protobuf.Type).decode(createReader(body)) as unknown as PbExportRequest;
  } catch (err) {
    throw new OtlpDecodeError(`invalid OTLP protobuf body: ${(err as Error).message}`, undefined, { cause: err });
  }
  return { resourceSpans: decoded.resourceSpans.map(toResourceSpans) };
}

function toResourceSpans(rs: PbResourceSpans): OtlpResourceSpans {
  return {
    resource: { attributes: rs.resource ? toAttributes(rs.resource.attributes) : {} },
    scopeSpans: rs.scopeSpans.map(toScopeSpans),
  };
}

function toScopeSpans(ss: PbScopeSpans): OtlpScopeSpans {
  const scope = ss.scope;
  return {
    scope: scope
      ? { name: scope.name, version: scope.version, attributes: toAttributes(scope.attributes) }
      : { name: "", version: "", attributes: {} },
    spans: ss.spans.map(toSpan),
  };
}

function toSpan(s: PbSpan): OtlpSpan {
  const status = s.status;
  return {
    traceId: hex(s.traceId),
    spanId: hex(s.spanId),
    parentSpanId: hex(s.parentSpanId),
    name: s.name,
    kind: s.kind,
    startTimeUnixNano: nanos(s.startTimeUnixNano),
    endTimeUnixNano: nanos(s.endTimeUnixNano),
    attributes: toAttributes(s.attributes),
    events: s.events.length === 0 ? [] : s.events.map(toEvent),
    status: status ? { code: status.code, message: status.message } : { code: 0, message: "" },
  };
}

function toEvent(e: PbEvent): OtlpEvent {
  return { name: e.name, timeUnixNano: nanos(e.timeUnixNano), attributes: toAttributes(e.attributes) };
}

function hex(bytes: Uint8Array): string {
  if (bytes.length === 0) return "";
  return (Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length)).toString("hex");
}

/** An unset fixed64 is the prototype's Long(0), a set one a bigint from NanosReader; zero means "absent". */
function nanos(value: bigint | PbLong): bigint | null {
  return typeof value === "bigint" && value !== 0n ? value : null;
}

function toAttributes(kvs: PbKeyValue[]): Attributes {
  const out: Attributes = {};
  for (let i = 0; i < kvs.length; i++) {
    const kv = kvs[i];
    setAttribute(out, kv.key, kv.value ? toValue(kv.value) : null);
  }
  return out;
}

function toValue(v: PbAnyValue): AttrValue {
  // Ordered by frequency in LLM traces: strings dominate, then ints, doubles, booleans.
  if (hasOwn(v, "stringValue")) return v.stringValue as string;
  if (hasOwn(v, "intValue")) return int64(v.intValue as PbLong | number);
  if (hasOwn(v, "doubleValue")) return finite(v.doubleValue as number);
  if (hasOwn(v, "boolValue")) return v.boolValue as boolean;
  if (hasOwn(v, "arrayValue")) return v.arrayValue ? v.arrayValue.values.map(toValue) : [];
  if (hasOwn(v, "kvlistValue")) return v.kvlistValue ? toAttributes(v.kvlistValue.values) : {};
  if (hasOwn(v, "bytesValue")) return Buffer.from(v.bytesValue as Uint8Array).toString("base64");
  return null; // empty AnyValue (or the profiles-only string_value_strindex)
}

/** Non-finite doubles become strings ("NaN", "Infinity"): JSON has no number for them. */
function finite(n: number): number | string {
  return Number.isFinite(n) ? n : String(n);
}

function int64(value: PbLong | number): number | string {
  if (typeof value === "number") return value;
  const n = value.toNumber();
  // Beyond 2^53 a JS number would silently change the value; keep the exact decimal instead.
  return Number.isSafeInteger(n) ? n : value.toString();
}

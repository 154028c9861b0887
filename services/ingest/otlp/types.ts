// The neutral in-memory shape of one OTLP trace export, produced by BOTH decoders (protobuf and JSON)
// so the normalizers never see wire details.
//
// Invariants the decoders keep:
// - ids are lowercase hex strings; "" when the sender left them empty. An id the JSON decoder could not
//   read as hex or base64 is passed through verbatim, so the normalizer can reject that span (not the
//   whole batch) and name the bad value.
// - times are bigint nanoseconds since the epoch; null when absent, zero or unreadable.
// - attribute values are plain JS values: string, number, boolean, null, arrays of those, and objects
//   for OTLP kvlists (nested). int64 values outside the safe-integer range become decimal strings;
//   bytes become base64 strings. On duplicate keys the last one wins.
// - links, trace_state, flags, dropped_* counts and schema URLs are not carried (nothing downstream
//   uses them).

export type AttrValue = string | number | boolean | null | AttrValue[] | { [key: string]: AttrValue };
export type Attributes = Record<string, AttrValue>;

/** OTel SpanKind as on the wire: 0 unspecified, 1 internal, 2 server, 3 client, 4 producer, 5 consumer. */
export type OtlpSpanKind = number;

/** OTel status code as on the wire: 0 unset, 1 ok, 2 error. */
export interface OtlpStatus {
  code: number;
  message: string;
}

export interface OtlpEvent {
  name: string;
  timeUnixNano: bigint | null;
  attributes: Attributes;
}

export interface OtlpSpan {
  traceId: string;
  spanId: string;
  parentSpanId: string;
  name: string;
  kind: OtlpSpanKind;
  startTimeUnixNano: bigint | null;
  endTimeUnixNano: bigint | null;
  attributes: Attributes;
  events: OtlpEvent[];
  status: OtlpStatus;
}

export interface OtlpScope {
  name: string;
  version: string;
  attributes: Attributes;
}

export interface OtlpScopeSpans {
  scope: OtlpScope;
  spans: OtlpSpan[];
}

export interface OtlpResourceSpans {
  resource: { attributes: Attributes };
  scopeSpans: OtlpScopeSpans[];
}

export interface OtlpExportRequest {
  resourceSpans: OtlpResourceSpans[];
}

// Test support (not used at runtime): encodes the neutral OtlpExportRequest back to OTLP protobuf with
// the same .proto definitions the decoder uses, so any JSON fixture can also be fed through the
// protobuf path. Numbers become intValue when integral, doubleValue otherwise; objects become kvlists.
import { ExportTraceServiceRequest } from "../../../lib/otlp/proto.ts";
import type { Attributes, AttrValue, OtlpExportRequest } from "./types.ts";

export function encodeOtlpProtobuf(req: OtlpExportRequest): Buffer {
  const message = ExportTraceServiceRequest.fromObject({
    resourceSpans: req.resourceSpans.map((rs) => ({
      resource: { attributes: keyValues(rs.resource.attributes) },
      scopeSpans: rs.scopeSpans.map((ss) => ({
        scope: { name: ss.scope.name, version: ss.scope.version, attributes: keyValues(ss.scope.attributes) },
        spans: ss.spans.map((s) => ({
          traceId: bytes(s.traceId),
          spanId: bytes(s.spanId),
          parentSpanId: bytes(s.parentSpanId),
          name: s.name,
          kind: s.kind,
          startTimeUnixNano: s.startTimeUnixNano?.toString(),
          endTimeUnixNano: s.endTimeUnixNano?.toString(),
          attributes: keyValues(s.attributes),
          events: s.events.map((e) => ({
            name: e.name,
            timeUnixNano: e.timeUnixNano?.toString(),
            attributes: keyValues(e.attributes),
          })),
          status: s.status,
        })),
      })),
    })),
  });
  return Buffer.from(ExportTraceServiceRequest.encode(message).finish());
}

function bytes(hex: string): Buffer {
  return Buffer.from(hex, "hex");
}

function keyValues(attrs: Attributes): Array<{ key: string; value: object }> {
  return Object.entries(attrs).map(([key, value]) => ({ key, value: anyValue(value) }));
}

function anyValue(v: AttrValue): object {
  if (v === null) return {};
  if (typeof v === "string") return { stringValue: v };
  if (typeof v === "boolean") return { boolValue: v };
  if (typeof v === "number") return Number.isInteger(v) ? { intValue: v } : { doubleValue: v };
  if (Array.isArray(v)) return { arrayValue: { values: v.map(anyValue) } };
  return { kvlistValue: { values: keyValues(v) } };
}

// The OTLP/HTTP answer: an ExportTraceServiceResponse, protobuf-encoded for protobuf requests and
// OTLP/JSON otherwise. `partial_success` is set only when some spans were rejected, as the spec asks
// (an empty message means full success).
import { otlpRoot } from "../../../lib/otlp/proto.ts";

const ExportTraceServiceResponse = otlpRoot.lookupType("opentelemetry.proto.collector.trace.v1.ExportTraceServiceResponse");

export interface PartialSuccess {
  rejectedSpans: number;
  errorMessage: string;
}

export function isProtobuf(contentType: string): boolean {
  return /^application\/(x-)?protobuf\b/i.test(contentType.trim());
}

export function encodeOtlpResponse(partial: PartialSuccess | undefined, protobuf: boolean): Buffer | string {
  if (!protobuf) return JSON.stringify(partial ? { partialSuccess: partial } : {});
  const message = ExportTraceServiceResponse.fromObject(partial ? { partialSuccess: partial } : {});
  return Buffer.from(ExportTraceServiceResponse.encode(message).finish());
}

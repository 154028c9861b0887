// Entry point of OTLP trace decoding: picks the decoder by Content-Type. The HTTP layer has already
// removed any Content-Encoding (gzip) before calling this.
import { decodeJsonTraces } from "./decode-json.ts";
import { decodeProtobufTraces } from "./decode-protobuf.ts";
import { OtlpDecodeError, OtlpErrorCode } from "./errors.ts";
import type { OtlpExportRequest } from "./types.ts";

export { OtlpDecodeError, OtlpErrorCode } from "./errors.ts";
export type * from "./types.ts";

/**
 * Decodes an OTLP/HTTP trace export (`ExportTraceServiceRequest`) body.
 * @param contentType the request's Content-Type header; parameters (`; charset=utf-8`) are ignored.
 * @throws OtlpDecodeError code TR_OTLP_DECODE for a malformed body, TR_OTLP_UNSUPPORTED_CONTENT_TYPE otherwise.
 */
export function decodeOtlpTraces(body: Buffer, contentType: string): OtlpExportRequest {
  const mediaType = contentType.split(";", 1)[0].trim().toLowerCase();
  switch (mediaType) {
    case "application/x-protobuf":
    case "application/protobuf":
      return decodeProtobufTraces(body);
    case "application/json":
      return decodeJsonTraces(body);
    default:
      throw new OtlpDecodeError(
        `unsupported Content-Type "${contentType}": OTLP/HTTP traces must be application/x-protobuf or application/json`,
        OtlpErrorCode.UNSUPPORTED_CONTENT_TYPE,
      );
  }
}

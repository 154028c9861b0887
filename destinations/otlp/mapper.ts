// OTLP mapper (pure): one ExportTraceServiceRequest per batch, encoded by lib/otlp (GenAI semantic-
// convention attributes, grouped by resource), gzip-compressed when configured. The same spans give
// the same bytes: gzip here carries no timestamp, so a retry re-sends exactly the first attempt's body.
// OTLP has no idempotency header; receivers identify spans by (trace_id, span_id), and `spanKeys`
// lets the client name the spans a partial success refused.
import { gzipSync } from "node:zlib";
import { encodeOtlpTraces, type OtlpBody } from "../../lib/otlp/encode.ts";
import type { CanonicalSpan } from "../../lib/span/types.ts";
import { MappingError, spanKey } from "../_delivery/index.ts";
import type { OtlpCompression, OtlpFormat } from "./config.ts";

export interface OtlpRequest {
  body: Uint8Array | string;
  contentType: OtlpBody["contentType"];
  contentEncoding?: "gzip";
  /** spanKey() ("<trace_id>:<span_id>") of every span, in request order. */
  spanKeys: string[];
}

export interface OtlpMapperOptions {
  format: OtlpFormat;
  compression: OtlpCompression;
}

export function mapOtlp(spans: CanonicalSpan[], options: OtlpMapperOptions): OtlpRequest {
  let encoded: OtlpBody;
  try {
    encoded = encodeOtlpTraces(spans, options.format);
  } catch (err) {
    // Only a span the schema would not admit gets here (an unreadable time, a non-JSON attribute).
    throw new MappingError(`span cannot be encoded as OTLP: ${(err as Error).message}`, { cause: err });
  }
  const request: OtlpRequest = { body: encoded.body, contentType: encoded.contentType, spanKeys: spans.map(spanKey) };
  if (options.compression === "gzip") {
    request.body = gzipSync(encoded.body);
    request.contentEncoding = "gzip";
  }
  return request;
}

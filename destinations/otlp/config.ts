// OTLP destination config: validated against config.schema.json (which embeds the common `delivery:`
// block), every problem reported at once; the delivery defaults come from _delivery.
import { type DeliveryConfig, type DeliveryOptions, destinationConfigParser } from "../_delivery/index.ts";
import schema from "./config.schema.json" with { type: "json" };

export type OtlpFormat = "protobuf" | "json";
export type OtlpCompression = "gzip" | "none";

export interface OtlpConfigInput {
  endpoint?: string;
  traces_endpoint?: string;
  format?: OtlpFormat;
  compression?: OtlpCompression;
  headers?: Record<string, string>;
  delivery?: DeliveryConfig;
}

export interface OtlpConfig {
  /** The URL every request is POSTed to. */
  url: string;
  format: OtlpFormat;
  compression: OtlpCompression;
  headers: Record<string, string>;
  delivery: DeliveryOptions;
}

/**
 * The OTel SDK exporter defaults: batches of at most 512 spans (BatchSpanProcessor maxExportBatchSize)
 * and a 10 s export timeout (OTEL_EXPORTER_OTLP_TIMEOUT). 4 MB of span JSON stays under the
 * Collector's and most vendors' request caps even uncompressed.
 */
export const OTLP_VENDOR_DEFAULTS: DeliveryConfig = { batch: { max_spans: 512, max_bytes: 4_000_000 }, timeout_ms: 10_000 };

const TRACES_PATH = "/v1/traces";

/** Base endpoint → traces URL, as the OTel exporters do with OTEL_EXPORTER_OTLP_ENDPOINT. */
export function tracesUrl(endpoint: string): string {
  const url = new URL(endpoint);
  const path = url.pathname.replace(/\/+$/, "");
  if (!path.endsWith(TRACES_PATH)) url.pathname = `${path}${TRACES_PATH}`;
  return url.toString();
}

export const parseOtlpConfig: (raw: unknown) => OtlpConfig = destinationConfigParser<OtlpConfigInput, Omit<OtlpConfig, "delivery">>(
  "otlp",
  schema,
  OTLP_VENDOR_DEFAULTS,
  (input) => ({
    // The schema's oneOf guarantees exactly one of the two.
    url: input.traces_endpoint ?? tracesUrl(input.endpoint as string),
    format: input.format ?? "protobuf",
    compression: input.compression ?? "gzip",
    headers: input.headers ?? {},
  }),
);

// The OTLP destination: OTLP/HTTP trace export (protobuf or JSON, gzip) carrying OTel GenAI semantic-
// convention attributes, for an OpenTelemetry Collector or any OTLP backend. Only the vendor-specific
// parts live here (config, mapper, client); createDelivery does the rest (the deliver role builds it from
// `otlpModule`).
import type { CanonicalSpan } from "../../lib/span/types.ts";
import type { DestinationAdapter } from "../_delivery/index.ts";
import type { DestinationModule } from "../module.ts";
import { createOtlpClient } from "./client.ts";
import { type OtlpConfig, parseOtlpConfig } from "./config.ts";
import { mapOtlp, type OtlpRequest } from "./mapper.ts";

export { type OtlpConfig, parseOtlpConfig, tracesUrl } from "./config.ts";
export { mapOtlp, type OtlpRequest } from "./mapper.ts";

export function otlpAdapter(
  name: string,
  config: Pick<OtlpConfig, "url" | "format" | "compression" | "headers">,
  now?: () => number,
): DestinationAdapter<OtlpRequest> {
  const mapOptions = { format: config.format, compression: config.compression };
  return {
    name,
    mapper: { map: (spans: CanonicalSpan[]) => mapOtlp(spans, mapOptions) },
    client: createOtlpClient({ url: config.url, headers: config.headers, now }),
  };
}

export const otlpModule: DestinationModule<OtlpConfig, OtlpRequest> = {
  type: "otlp",
  parseConfig: parseOtlpConfig,
  adapter: (name, config, env) => otlpAdapter(name, config, env?.now),
};

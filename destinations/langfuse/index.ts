// The Langfuse destination: canonical spans → Langfuse, over OTLP (`mode: otel`, Langfuse v4+ and Cloud,
// the default) or the legacy batch API (`mode: ingestion`, self-hosted v2/v3). Only the vendor-specific
// parts live here (config, mappers, clients); the shared helper (createDelivery) does batching, retries,
// breaker and dead letters.
import type { CanonicalSpan } from "../../lib/span/types.ts";
import type { DestinationAdapter } from "../_delivery/index.ts";
import type { DestinationModule } from "../module.ts";
import { type LangfuseConfig, parseLangfuseConfig } from "./config.ts";
import { createIngestionClient } from "./ingestion-client.ts";
import { type IngestionRequest, mapIngestion } from "./ingestion-mapper.ts";
import { createOtelClient } from "./otel-client.ts";
import { mapOtel, type OtelRequest } from "./otel-mapper.ts";

export { LANGFUSE_MAX_REQUEST_BYTES, LANGFUSE_VENDOR_DEFAULTS, type LangfuseConfig, type LangfuseMode, parseLangfuseConfig } from "./config.ts";
export { INGESTION_PATH } from "./ingestion-client.ts";
export { eventId, type IngestionChunk, type IngestionRequest, ingestionEvents, mapIngestion } from "./ingestion-mapper.ts";
export { V4_EVENTS_ONLY_HINT } from "./ingestion-response.ts";
export { INGESTION_VERSION_HEADER, OTEL_PATH } from "./otel-client.ts";
export { langfuseAttributes, mapOtel, type OtelRequest } from "./otel-mapper.ts";

export type LangfuseRequest = IngestionRequest | OtelRequest;
type AdapterConfig = Omit<LangfuseConfig, "delivery">;

const clientOptions = (config: AdapterConfig, now?: () => number) => ({ baseUrl: config.baseUrl, publicKey: config.publicKey, secretKey: config.secretKey, now });

export function langfuseIngestionAdapter(name: string, config: AdapterConfig, now?: () => number): DestinationAdapter<IngestionRequest> {
  const map = (spans: CanonicalSpan[]) => mapIngestion(spans, { environment: config.environment });
  return { name, mapper: { map }, client: createIngestionClient(clientOptions(config, now)) };
}

export function langfuseOtelAdapter(name: string, config: AdapterConfig, now?: () => number): DestinationAdapter<OtelRequest> {
  const map = (spans: CanonicalSpan[]) => mapOtel(spans, { environment: config.environment });
  return { name, mapper: { map }, client: createOtelClient(clientOptions(config, now)) };
}

/** The adapter for the configured mode (`otel` unless `mode: ingestion`). */
export function langfuseAdapter(name: string, config: AdapterConfig, now?: () => number): DestinationAdapter<LangfuseRequest> {
  const adapter = config.mode === "ingestion" ? langfuseIngestionAdapter(name, config, now) : langfuseOtelAdapter(name, config, now);
  // Sound: each adapter's client only ever receives what its own mapper built.
  return adapter as DestinationAdapter<LangfuseRequest>;
}

export const langfuseModule: DestinationModule<LangfuseConfig, LangfuseRequest> = {
  type: "langfuse",
  parseConfig: parseLangfuseConfig,
  adapter: (name, config, env) => langfuseAdapter(name, config, env?.now),
};

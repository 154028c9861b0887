// Langfuse destination config: validated against config.schema.json (which embeds the common
// `delivery:` block), every problem reported at once, secrets never echoed. Langfuse's published limits
// are the vendor defaults (NOTES.md §2.5): the batch endpoint takes at most 4.5 MB per request and
// documents 3.5 MB; the OTLP route has no body limit, but reverse proxies in front of self-hosted
// Langfuse often have one, so both modes share the conservative default.
import { type DeliveryConfig, type DeliveryOptions, destinationConfigParser } from "../_delivery/index.ts";
import schema from "./config.schema.json" with { type: "json" };

export type LangfuseMode = "otel" | "ingestion";

export interface LangfuseConfigInput {
  base_url: string;
  public_key: string;
  secret_key: string;
  mode?: LangfuseMode;
  environment?: string;
  delivery?: DeliveryConfig;
}

export interface LangfuseConfig {
  /** Without a trailing slash. */
  baseUrl: string;
  publicKey: string;
  secretKey: string;
  mode: LangfuseMode;
  /** Replaces every span's environment when set. */
  environment?: string;
  delivery: DeliveryOptions;
}

/** The batch endpoint's documented cap per request; the mapper splits bigger batches into several requests. */
export const LANGFUSE_MAX_REQUEST_BYTES = 3_500_000;

/**
 * Span bytes (canonical JSON) per batch. A root span is sent twice on the batch API (trace + observation
 * carry the same input/output), so 1.5 MB of spans stays under the 3.5 MB request cap with room for
 * the event envelopes; a batch that still overflows is split, never refused.
 */
export const LANGFUSE_VENDOR_DEFAULTS: DeliveryConfig = { batch: { max_bytes: 1_500_000 } };

export const parseLangfuseConfig: (raw: unknown) => LangfuseConfig = destinationConfigParser<LangfuseConfigInput, Omit<LangfuseConfig, "delivery">>(
  "langfuse",
  schema,
  LANGFUSE_VENDOR_DEFAULTS,
  (input) => ({
    baseUrl: input.base_url.replace(/\/+$/, ""),
    publicKey: input.public_key,
    secretKey: input.secret_key,
    mode: input.mode ?? "otel",
    ...(input.environment === undefined ? {} : { environment: input.environment }),
  }),
);

// Webhook destination config: validated against config.schema.json (which embeds the common
// `delivery:` block), every problem reported at once; the delivery defaults come from _delivery.
import { type DeliveryConfig, type DeliveryOptions, destinationConfigParser } from "../_delivery/index.ts";
import schema from "./config.schema.json" with { type: "json" };

export interface WebhookConfigInput {
  url: string;
  secret: string;
  headers?: Record<string, string>;
  delivery?: DeliveryConfig;
}

export interface WebhookConfig {
  url: string;
  secret: string;
  headers: Record<string, string>;
  delivery: DeliveryOptions;
}

/** A generic receiver has no published limits; keep requests well under common 10 MB proxy caps. */
export const WEBHOOK_VENDOR_DEFAULTS: DeliveryConfig = { batch: { max_bytes: 5_000_000 } };

export const parseWebhookConfig: (raw: unknown) => WebhookConfig = destinationConfigParser<WebhookConfigInput, Omit<WebhookConfig, "delivery">>(
  "webhook",
  schema,
  WEBHOOK_VENDOR_DEFAULTS,
  (input) => ({ url: input.url, secret: input.secret, headers: input.headers ?? {} }),
);

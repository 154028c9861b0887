// Webhook destination config: validated against config.schema.json (which embeds the common
// `delivery:` block), every problem reported at once; the delivery defaults come from _delivery.
import { Ajv } from "ajv";
import deliverySchema from "../_delivery/config.schema.json" with { type: "json" };
import { type DeliveryConfig, DeliveryConfigError, type DeliveryOptions, resolveDeliveryOptions } from "../_delivery/index.ts";
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

const ajv = new Ajv({ allErrors: true, strict: false });
ajv.addSchema(deliverySchema);
const validate = ajv.compile<WebhookConfigInput>(schema);

export function parseWebhookConfig(input: unknown): WebhookConfig {
  if (!validate(input)) {
    // Never echo values: the secret must not reach a log through a validation message.
    throw new DeliveryConfigError((validate.errors ?? []).map((e) => `webhook${e.instancePath.replaceAll("/", ".")} ${e.message}`));
  }
  return {
    url: input.url,
    secret: input.secret,
    headers: input.headers ?? {},
    delivery: resolveDeliveryOptions(input.delivery, WEBHOOK_VENDOR_DEFAULTS),
  };
}

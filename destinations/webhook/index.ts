// The webhook destination: JSON batches of canonical spans, HMAC-signed like inbound webhooks. Only the
// vendor-specific parts live here (config, mapper, client); createDelivery does the rest.
import type { CanonicalSpan } from "../../lib/span/types.ts";
import { createDelivery, type Delivery, type DeliveryDeps, type DestinationAdapter } from "../_delivery/index.ts";
import type { DestinationModule } from "../module.ts";
import { createWebhookClient } from "./client.ts";
import { parseWebhookConfig, type WebhookConfig } from "./config.ts";
import { mapWebhook, type WebhookRequest } from "./mapper.ts";

export { parseWebhookConfig, type WebhookConfig } from "./config.ts";
export { IDEMPOTENCY_HEADER, idempotencyKey, mapWebhook, type WebhookRequest } from "./mapper.ts";

export function webhookAdapter(name: string, config: Pick<WebhookConfig, "url" | "secret" | "headers">, now?: () => number): DestinationAdapter<WebhookRequest> {
  return {
    name,
    mapper: { map: (spans: CanonicalSpan[]) => mapWebhook(spans) },
    client: createWebhookClient({ url: config.url, secret: config.secret, headers: config.headers, now }),
  };
}

export const webhookModule: DestinationModule<WebhookConfig, WebhookRequest> = {
  type: "webhook",
  parseConfig: parseWebhookConfig,
  adapter: (name, config, env) => webhookAdapter(name, config, env?.now),
};

/** Builds the destination from its raw config block (throws DeliveryConfigError listing every problem). */
export function webhookDestination(name: string, rawConfig: unknown, deps: DeliveryDeps): Delivery {
  const config = parseWebhookConfig(rawConfig);
  return createDelivery(webhookAdapter(name, config), config.delivery, deps);
}

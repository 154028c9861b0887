// Webhook client: one signed POST per request. Signs exactly like inbound webhooks (reuses
// signWebhook): X-Tracerelay-Timestamp + X-Tracerelay-Signature: sha256=<hex HMAC(secret, ts + "." + body)>.
// Classification (shared with every HTTP destination, _delivery/http.ts): 2xx delivered; 408, 429, 5xx
// retryable (Retry-After honoured by the helper); other 4xx permanent with the receiver's body as the
// reason; refused/reset connections retryable. The helper owns timeout, retries and the breaker.
import { type Client, post, type SendContext, throwForStatus } from "../_delivery/index.ts";
import { signWebhook } from "../../services/ingest/webhook/verify.ts";
import { IDEMPOTENCY_HEADER, type WebhookRequest } from "./mapper.ts";

export interface WebhookClientOptions {
  url: string;
  secret: string;
  headers?: Record<string, string>;
  /** Wall clock in ms, for the signed timestamp and Retry-After dates. */
  now?: () => number;
}

export function createWebhookClient(options: WebhookClientOptions): Client<WebhookRequest> {
  const now = options.now ?? Date.now;
  return {
    async send(request: WebhookRequest, ctx: SendContext): Promise<void> {
      const signed = signWebhook(options.secret, request.body, now() / 1000);
      const response = await post(options.url, {
        headers: {
          ...options.headers,
          "content-type": "application/json",
          [IDEMPOTENCY_HEADER]: request.idempotencyKey,
          ...signed.headers,
        },
        body: request.body,
        signal: ctx.signal,
      });
      // The body is the vendor's reason on failure.
      throwForStatus(response.status, response.text(), response.headers.get("retry-after"), now());
    },
  };
}

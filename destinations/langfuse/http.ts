// The one HTTP exchange both Langfuse clients make: POST with Basic auth (public key : secret key),
// classified like every HTTP destination (_delivery/http.ts): refused/reset → retryable, 408/429/5xx →
// retryable with Retry-After, other 4xx → permanent with Langfuse's body as the reason. A 413 gets a
// hint, because it usually comes from a reverse proxy with a smaller cap than Langfuse's own.
import { post, type SendContext, throwForStatus } from "../_delivery/index.ts";

export interface LangfuseHttpOptions {
  publicKey: string;
  secretKey: string;
  /** Wall clock in ms, for Retry-After dates. */
  now?: () => number;
}

export function basicAuth(publicKey: string, secretKey: string): string {
  return `Basic ${Buffer.from(`${publicKey}:${secretKey}`, "utf8").toString("base64")}`;
}

/** POSTs and returns the 2xx status with its body text; throws a classified DeliveryError otherwise. */
export async function postToLangfuse(
  url: string,
  options: LangfuseHttpOptions,
  init: { headers: Record<string, string>; body: string | Uint8Array },
  ctx: SendContext,
): Promise<{ status: number; text: string }> {
  const response = await post(url, {
    headers: { ...init.headers, authorization: basicAuth(options.publicKey, options.secretKey) },
    body: init.body,
    signal: ctx.signal,
  });
  const text = response.text();
  const reason = response.status === 413 ? `${text} (request too large: lower delivery.batch.max_bytes, or raise the proxy's body limit)` : text;
  throwForStatus(response.status, reason, response.headers.get("retry-after"), (options.now ?? Date.now)());
  return { status: response.status, text };
}

// HTTP helpers every HTTP destination's client shares, so that 408/429/5xx/4xx/network are classified
// the same way everywhere (DESIGN.md "Delivery semantics"):
//   2xx → delivered · 408, 429, 5xx → RetryableError (with Retry-After) · other 4xx → PermanentError
//   network failures (refused, reset, DNS) → RetryableError TR_DELIVERY_NETWORK
//   the helper's per-request timeout → RetryableError TR_DELIVERY_TIMEOUT (set by the helper)
import { type HttpAnswer, httpPost, UnsupportedSchemeError } from "../../lib/http/post.ts";
import { PermanentError, RetryableError } from "./errors.ts";

const MAX_REASON_CHARS = 500;

/** Retry-After is either delay-seconds or an HTTP-date (RFC 9110 §10.2.3). Returns ms from `nowMs`, or undefined. */
export function parseRetryAfter(header: string | null | undefined, nowMs: number): number | undefined {
  if (!header) return undefined;
  const text = header.trim();
  if (/^\d+$/.test(text)) return Number(text) * 1000;
  const at = Date.parse(text);
  if (Number.isNaN(at)) return undefined;
  return Math.max(0, at - nowMs);
}

/** Throws the right error for a non-2xx response; returns normally for 2xx. `reason` is the vendor's body. */
export function throwForStatus(status: number, reason: string, retryAfterHeader: string | null, nowMs: number): void {
  if (status >= 200 && status < 300) return;
  const vendor = reason.trim().slice(0, MAX_REASON_CHARS);
  const message = `HTTP ${status}${vendor ? `: ${vendor}` : ""}`;
  if (status === 408 || status === 429 || status >= 500) {
    throw new RetryableError(message, { status, retryAfterMs: parseRetryAfter(retryAfterHeader, nowMs) });
  }
  // 1xx/3xx are unexpected from an API endpoint (redirects are not followed): a permanent misconfiguration.
  throw new PermanentError(message, { status });
}

/**
 * Wraps a network failure. The helper owns the per-request timeout: when it aborted the request it
 * replaces whatever the client threw with TR_DELIVERY_TIMEOUT, so clients need not tell aborts apart.
 */
export function networkError(err: unknown): RetryableError {
  const cause = (err as { cause?: { code?: string; message?: string } })?.cause;
  const detail = cause?.code ?? cause?.message ?? (err as { code?: string })?.code ?? (err instanceof Error ? err.message : String(err));
  return new RetryableError(`network error: ${detail}`, { code: "TR_DELIVERY_NETWORK", cause: err });
}

export interface PostResult {
  status: number;
  ok: boolean;
  headers: Headers;
  /** The response body; empty when it broke after a 2xx (the delivery stands). */
  body: Uint8Array;
  /** The body as UTF-8 text (the vendor's reason on failure). */
  text(): string;
}

/**
 * POSTs and reads the whole response (lib/http/post.ts: node:http, keep-alive, no redirects). A
 * refused/reset connection, or a body that breaks after a non-2xx status, throws a RetryableError
 * (networkError); the caller classifies the status (throwForStatus).
 */
export async function post(url: string, init: { headers: Record<string, string>; body: string | Uint8Array; signal: AbortSignal }): Promise<PostResult> {
  let answer: HttpAnswer;
  try {
    answer = await httpPost(url, init);
  } catch (err) {
    if (err instanceof UnsupportedSchemeError) throw new PermanentError(err.message);
    throw networkError(err);
  }
  return { ...answer, text: () => answer.body.toString("utf8") };
}

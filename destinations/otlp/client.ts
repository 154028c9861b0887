// OTLP/HTTP client: one POST per request. Classification (shared with every HTTP destination,
// _delivery/http.ts): 408, 429, 5xx and network failures retryable (Retry-After honoured by the
// helper); other 4xx permanent with the server's google.rpc.Status message as the reason.
// A 2xx is a full success only without `partial_success.rejected_spans` (response.ts). Refused spans
// are permanent (the spec: the client MUST NOT retry them) and are dead-lettered with the server's
// message. OTLP reports only HOW MANY spans were refused; when the message names exactly that many of
// the request's span ids (tracerelay's own ingest does: "span 3 (<span_id>): …"), only those are
// dead-lettered (PartialFailureError), otherwise the whole request is, since the accepted ones cannot
// be told apart.
import {
  type Client,
  PartialFailureError,
  PermanentError,
  post,
  type SendContext,
  throwForStatus,
} from "../_delivery/index.ts";
import type { OtlpRequest } from "./mapper.ts";
import { failureReason, type PartialSuccess, readPartialSuccess } from "./response.ts";

export interface OtlpClientOptions {
  url: string;
  headers?: Record<string, string>;
  /** Wall clock in ms, for Retry-After dates. */
  now?: () => number;
}

export function createOtlpClient(options: OtlpClientOptions): Client<OtlpRequest> {
  const now = options.now ?? Date.now;
  return {
    async send(request: OtlpRequest, ctx: SendContext): Promise<void> {
      const headers: Record<string, string> = { ...options.headers, "content-type": request.contentType };
      if (request.contentEncoding) headers["content-encoding"] = request.contentEncoding;
      const response = await post(options.url, { headers, body: request.body, signal: ctx.signal });
      const body = response.body;
      const contentType = response.headers.get("content-type");
      if (!response.ok) throwForStatus(response.status, failureReason(contentType, body), response.headers.get("retry-after"), now());
      const partial = readPartialSuccess(contentType, body);
      if (partial) throw refused(partial, request.spanKeys, response.status);
    },
  };
}

const SPAN_ID = /\b[0-9a-f]{16}\b/gi;

/** The error for a partial success: per span when the message identifies the refused ones, else the whole request. */
export function refused(partial: PartialSuccess, spanKeys: readonly string[], status: number): PermanentError | PartialFailureError {
  const message = `partial success: ${partial.rejectedSpans} of ${spanKeys.length} span(s) rejected${partial.errorMessage ? `: ${partial.errorMessage}` : ""}`;
  const error = new PermanentError(message, { status });
  if (partial.rejectedSpans >= spanKeys.length) return error;
  const keysBySpanId = new Map<string, string[]>();
  for (const key of spanKeys) {
    const id = key.slice(key.indexOf(":") + 1);
    keysBySpanId.set(id, [...(keysBySpanId.get(id) ?? []), key]);
  }
  const named = new Set<string>();
  for (const [id] of partial.errorMessage.toLowerCase().matchAll(SPAN_ID)) for (const key of keysBySpanId.get(id) ?? []) named.add(key);
  return named.size === partial.rejectedSpans ? new PartialFailureError([{ keys: [...named], error }]) : error;
}

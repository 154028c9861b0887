// OTel mode client: one OTLP/HTTP export per request to /api/public/otel/v1/traces, with
// `x-langfuse-ingestion-version: 4` so a v4 server writes the spans straight into its events table
// (visible in seconds instead of after the up-to-10-minute legacy path, NOTES.md §3.6; versions above 4
// are refused). Langfuse answers 200 for the whole export or a real error status (one bad span refuses
// the whole export with 400): classified like every HTTP destination, no partial success.
import type { Client, SendContext } from "../_delivery/index.ts";
import { type LangfuseHttpOptions, postToLangfuse } from "./http.ts";
import type { OtelRequest } from "./otel-mapper.ts";

export const OTEL_PATH = "/api/public/otel/v1/traces";
export const INGESTION_VERSION_HEADER = "x-langfuse-ingestion-version";

export interface OtelClientOptions extends LangfuseHttpOptions {
  baseUrl: string;
}

export function createOtelClient(options: OtelClientOptions): Client<OtelRequest> {
  const url = `${options.baseUrl}${OTEL_PATH}`;
  return {
    async send(request: OtelRequest, ctx: SendContext): Promise<void> {
      const headers = { "content-type": request.contentType, [INGESTION_VERSION_HEADER]: "4" };
      await postToLangfuse(url, options, { headers, body: request.body }, ctx);
    },
  };
}

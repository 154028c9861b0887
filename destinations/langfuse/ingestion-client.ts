// Ingestion mode client: POSTs each request of the batch (mapper chunks) to /api/public/ingestion, one
// after the other. Whole-request failures are classified like every HTTP destination; a 207 is read
// event by event (ingestion-response.ts). What reaches the helper:
//   every event delivered                    → resolves
//   the first request failed as a whole      → that error (retried or dead-lettered as usual)
//   some spans refused or not sent           → PartialFailureError naming only those spans; the helper
//                                              dead-letters the permanent ones and re-maps and retries
//                                              the retryable ones (their event ids stay the same)
// A span with several events counts as failed when any of them failed; a permanent failure wins, since
// retrying cannot make that span complete.
import { type Client, type DeliveryError, PartialFailureError, PermanentError, RetryableError, type SendContext } from "../_delivery/index.ts";
import { type LangfuseHttpOptions, postToLangfuse } from "./http.ts";
import { failedEvents } from "./ingestion-response.ts";
import type { IngestionChunk, IngestionRequest } from "./ingestion-mapper.ts";

export const INGESTION_PATH = "/api/public/ingestion";

export interface IngestionClientOptions extends LangfuseHttpOptions {
  baseUrl: string;
}

export function createIngestionClient(options: IngestionClientOptions): Client<IngestionRequest> {
  const url = `${options.baseUrl}${INGESTION_PATH}`;
  const send = async (chunk: IngestionChunk, ctx: SendContext): Promise<Map<string, DeliveryError>> => {
    const { status, text } = await postToLangfuse(url, options, { headers: { "content-type": "application/json" }, body: chunk.body }, ctx);
    const eventIds = Object.keys(chunk.spans);
    if (status !== 207) return new Map(); // a plain 2xx accepts the whole request
    const failed = failedEvents(text, eventIds);
    if (failed) return failed;
    // Without the per-event answer we cannot know what was stored; resending is safe (same event ids).
    const unreadable = new RetryableError(`Langfuse answered 207 with an unreadable body: ${text.slice(0, 200)}`, { status });
    return new Map(eventIds.map((id) => [id, unreadable]));
  };

  return {
    async send(request: IngestionRequest, ctx: SendContext): Promise<void> {
      const bySpan = new Map<string, DeliveryError>();
      const fail = (key: string, error: DeliveryError) => {
        if (!(bySpan.get(key) instanceof PermanentError)) bySpan.set(key, error);
      };
      for (const [i, chunk] of request.chunks.entries()) {
        let failed: Map<string, DeliveryError>;
        try {
          failed = await send(chunk, ctx);
        } catch (err) {
          if (i === 0 || !isDeliveryError(err)) throw err;
          // Later requests are not sent: their spans are retried (or dead-lettered) with this error.
          for (const rest of request.chunks.slice(i)) for (const key of Object.values(rest.spans)) fail(key, err);
          break;
        }
        for (const [id, error] of failed) fail(chunk.spans[id], error);
      }
      if (bySpan.size > 0) throw new PartialFailureError(groupByError(bySpan));
    },
  };
}

function isDeliveryError(err: unknown): err is DeliveryError {
  return err instanceof PermanentError || err instanceof RetryableError;
}

function groupByError(bySpan: Map<string, DeliveryError>): Array<{ keys: string[]; error: DeliveryError }> {
  const groups = new Map<DeliveryError, string[]>();
  for (const [key, error] of bySpan) {
    const keys = groups.get(error);
    if (keys) keys.push(key);
    else groups.set(error, [key]);
  }
  return [...groups].map(([error, keys]) => ({ keys, error }));
}

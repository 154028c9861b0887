// LangSmith client: sends one batch through the official `langsmith` Client with `batchIngestRuns`
// (POST /runs/batch), the one ingest call that reports failure by throwing (NOTES.md §9:
// multipartIngestRuns, auto-batching and flush() log and swallow errors). The SDK's own retries are
// off (callerOptions.maxRetries 0; the helper owns retries, backoff and the breaker) and its concurrency
// cap is lifted (the helper's `concurrency` governs). The SDK's thrown error carries the status but not
// Retry-After, so our fetchImplementation watches the exchange of the current send (AsyncLocalStorage):
// it adds the helper's abort signal to the request and records status, Retry-After and body.
// Classification is then the shared one (throwForStatus / networkError); 409 counts as delivered
// (the runs' deterministic ids are already stored, NOTES.md §10).
import { AsyncLocalStorage } from "node:async_hooks";
import { Client as LangSmithSdk } from "langsmith";
import { type Client, networkError, type SendContext, throwForStatus } from "../_delivery/index.ts";
import type { LangSmithRequest } from "./mapper.ts";

export interface LangSmithClientOptions {
  apiUrl: string;
  apiKey: string;
  workspaceId?: string;
  /** Wall clock in ms, for Retry-After dates. */
  now?: () => number;
}

interface Exchange {
  signal: AbortSignal;
  status?: number;
  retryAfter?: string | null;
  body?: Promise<string>;
  failure?: unknown;
}

/** LangSmith answers errors as {"detail": "..."}; keep the message, or the raw body when it is not that. */
export function vendorReason(body: string): string {
  try {
    const detail = (JSON.parse(body) as { detail?: unknown }).detail;
    if (typeof detail === "string") return detail;
    if (detail !== undefined) return JSON.stringify(detail);
  } catch {
    // not JSON
  }
  return body;
}

function watchedFetch(exchanges: AsyncLocalStorage<Exchange>): typeof fetch {
  return async (input, init) => {
    const ex = exchanges.getStore();
    // Every request must belong to a send(): only then does the helper's timeout reach it.
    if (!ex) throw new Error("langsmith client made a request outside send()");
    const signal = init?.signal ? AbortSignal.any([init.signal, ex.signal]) : ex.signal;
    let response: Response;
    try {
      response = await fetch(input, { ...init, signal });
    } catch (err) {
      ex.failure = err;
      throw err;
    }
    ex.status = response.status;
    ex.retryAfter = response.headers.get("retry-after");
    if (!response.ok) ex.body = response.clone().text().catch(() => "");
    return response;
  };
}

export function createLangSmithClient(options: LangSmithClientOptions): Client<LangSmithRequest> {
  const now = options.now ?? Date.now;
  const exchanges = new AsyncLocalStorage<Exchange>();
  const sdk = new LangSmithSdk({
    apiUrl: options.apiUrl,
    apiKey: options.apiKey,
    // "" rather than undefined: the SDK would fall back to LANGSMITH_WORKSPACE_ID / a CLI profile.
    workspaceId: options.workspaceId ?? "",
    autoBatchTracing: false,
    callerOptions: { maxRetries: 0 },
    traceBatchConcurrency: Number.POSITIVE_INFINITY,
    // The helper's timeout aborts through our fetch; the SDK's own (real-time) one only as a backstop.
    timeout_ms: 10 * 60_000,
    omitTracedRuntimeInfo: true,
    // Explicit, so LANGSMITH_HIDE_* / tracing-mode variables in the relay's environment change nothing.
    hideInputs: false,
    hideOutputs: false,
    hideMetadata: false,
    tracingMode: "langsmith",
    fetchImplementation: watchedFetch(exchanges),
  });
  return {
    async send(request: LangSmithRequest, ctx: SendContext): Promise<void> {
      if (request.runs.length === 0) return;
      const ex: Exchange = { signal: ctx.signal };
      let thrown: unknown;
      try {
        await exchanges.run(ex, () => sdk.batchIngestRuns({ runCreates: request.runs }));
      } catch (err) {
        thrown = err;
      }
      if (ex.failure !== undefined) throw networkError(ex.failure);
      if (ex.status === undefined) {
        // Failed before any request (the SDK refused the payload): unclassified, so the helper retries.
        if (thrown !== undefined) throw thrown;
        return;
      }
      if (ex.status === 409) return;
      throwForStatus(ex.status, vendorReason((await ex.body) ?? ""), ex.retryAfter ?? null, now());
    },
  };
}

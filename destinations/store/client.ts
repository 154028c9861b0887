// Store client: one span-writer call per request. How a failure is classified:
//   - some spans of the request are not valid canonical spans (checked only after a failure: the bus
//     boundary validated them all): the others are written again alone, and the invalid ones are
//     refused span by span (PartialFailureError → dead-lettered with the validation errors);
//   - server mode (`store.url`), the server answered: by its HTTP status like every HTTP destination
//     (ClickHouse answers 400 for data it cannot parse, 5xx when it fails), Retry-After honoured;
//   - server mode, no answer (refused, reset): a network error, retried;
//   - chDB: anything else the engine says is retried (the spans are valid, so it is the engine).
// The helper owns timeouts (ctx.signal aborts a server insert), retries, the breaker and dead letters.
import { validateSpan } from "../../lib/span/validate.ts";
import { StoreError } from "../../lib/store/errors.ts";
import type { SpanWriter } from "../../lib/store/span-writer.ts";
import {
  type Client,
  networkError,
  PartialFailureError,
  PermanentError,
  RetryableError,
  type SendContext,
  spanKey,
  throwForStatus,
} from "../_delivery/index.ts";
import type { StoreRequest } from "./mapper.ts";

export interface StoreClientOptions {
  writer: SpanWriter;
  /** Called after each successful write with the spans written and the seconds it took (metrics). */
  onWritten?: (spans: number, seconds: number) => void;
  now?: () => number;
}

export function createStoreClient(options: StoreClientOptions): Client<StoreRequest> {
  const now = options.now ?? Date.now;
  const write = async (request: StoreRequest, items: StoreRequest["items"], ctx: SendContext) => {
    const started = performance.now();
    await options.writer.write(items, { queryId: `tracerelay-${request.idempotencyKey}`, signal: ctx.signal });
    options.onWritten?.(items.length, (performance.now() - started) / 1000);
  };
  return {
    async send(request, ctx) {
      try {
        await write(request, request.items, ctx);
        return;
      } catch (err) {
        const invalid = invalidSpans(request);
        if (invalid.size === 0) throw classify(err, now());
        const valid = request.items.filter((_, i) => !invalid.has(i));
        if (valid.length > 0) {
          try {
            await write(request, valid, ctx);
          } catch (again) {
            throw classify(again, now());
          }
        }
        throw new PartialFailureError(
          [...invalid].map(([i, errors]) => ({ keys: [spanKey(request.spans[i])], error: new PermanentError(`not a valid canonical span: ${errors.join("; ")}`) })),
        );
      }
    },
  };
}

function invalidSpans(request: StoreRequest): Map<number, string[]> {
  const invalid = new Map<number, string[]>();
  request.spans.forEach((span, i) => {
    const verdict = validateSpan(span);
    if (!verdict.ok) invalid.set(i, verdict.errors);
  });
  return invalid;
}

function classify(err: unknown, nowMs: number): Error {
  if (err instanceof StoreError && err.response) {
    try {
      throwForStatus(err.response.status, err.response.body, err.response.retryAfter, nowMs);
    } catch (classified) {
      return classified as Error;
    }
  }
  if (err instanceof StoreError && err.cause !== undefined && (err.cause as { code?: string }).code) return networkError(err.cause);
  return new RetryableError(`store: ${(err as Error).message}`, { cause: err });
}

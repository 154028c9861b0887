// What a destination is: a name, a pure mapper and a client. Everything else (batching, breaker,
// retries, timeouts, limits, dead letters, metrics) is the helper's (destinations/_delivery/index.ts).
import type { CanonicalSpan } from "../../lib/span/types.ts";

export interface Mapper<R> {
  /** Pure: the same spans give the same request (and idempotency key). Throws MappingError when a span cannot be expressed. */
  map(spans: CanonicalSpan[]): R;
}

export interface SendContext {
  /** Aborted on the per-request timeout and on shutdown; pass it to fetch. */
  signal: AbortSignal;
  /** 1 for the first request of this batch. */
  attempt: number;
}

export interface Client<R> {
  /** Sends one request. Resolves only when the destination has it; throws PermanentError / RetryableError otherwise. */
  send(request: R, ctx: SendContext): Promise<void>;
  close?(): Promise<void>;
}

export interface DestinationAdapter<R = unknown> {
  name: string;
  mapper: Mapper<R>;
  client: Client<R>;
}

export type BreakerState = "closed" | "half_open" | "open";

// The delivery error catalog: every error a destination client or mapper throws, and every give-up the
// helper records, carries one of these stable codes. The error CLASS decides retries (STYLE.md habit 3):
//   RetryableError  → backed off and retried inside the retry window; counts toward opening the breaker
//   PermanentError  → dead-lettered at once with the vendor's reason; never counts toward the breaker
//   MappingError    → the mapper could not turn a span into a request; dead-lettered at once
// Tests check `code`, not wording.

export const DELIVERY_ERROR_CODES = {
  TR_DELIVERY_PERMANENT: "the destination refused the request for good (4xx other than 408/429)",
  TR_DELIVERY_RETRYABLE: "transient failure (408, 429, 5xx, network, timeout); retried within the window",
  TR_DELIVERY_TIMEOUT: "no response within the per-request timeout; retried within the window",
  TR_DELIVERY_NETWORK: "connection refused, reset or DNS failure; retried within the window",
  TR_DELIVERY_MAPPING: "the mapper could not turn the span into a request for this destination",
  TR_DELIVERY_SHUTDOWN: "the delivery was stopped before the spans settled; they stay on the bus",
  TR_DELIVERY_CONFIG: "the delivery block of a destination's configuration is invalid",
  TR_DELIVERY_PARTIAL: "the destination accepted part of a request and refused the rest (e.g. a Langfuse 207)",
} as const;

export type DeliveryErrorCode = keyof typeof DELIVERY_ERROR_CODES;

export interface DeliveryErrorOptions {
  /** HTTP status (or the vendor's equivalent), when there was one. */
  status?: number;
  cause?: unknown;
}

export class DeliveryError extends Error {
  readonly code: DeliveryErrorCode;
  readonly status?: number;
  constructor(code: DeliveryErrorCode, message: string, options: DeliveryErrorOptions = {}) {
    super(message, { cause: options.cause });
    this.name = "DeliveryError";
    this.code = code;
    this.status = options.status;
  }
}

/** The destination will never accept this request as it is: dead-letter it now. */
export class PermanentError extends DeliveryError {
  constructor(message: string, options: DeliveryErrorOptions = {}) {
    super("TR_DELIVERY_PERMANENT", message, options);
    this.name = "PermanentError";
  }
}

export interface RetryableErrorOptions extends DeliveryErrorOptions {
  code?: "TR_DELIVERY_RETRYABLE" | "TR_DELIVERY_TIMEOUT" | "TR_DELIVERY_NETWORK";
  /** What the server asked for (Retry-After); the next attempt is never sooner than this. */
  retryAfterMs?: number;
}

/** A transient failure: retry with backoff until the retry window closes. */
export class RetryableError extends DeliveryError {
  readonly retryAfterMs?: number;
  constructor(message: string, options: RetryableErrorOptions = {}) {
    super(options.code ?? "TR_DELIVERY_RETRYABLE", message, options);
    this.name = "RetryableError";
    this.retryAfterMs = options.retryAfterMs;
  }
}

/** Thrown by a (pure) mapper: the span cannot be expressed for this destination. */
export class MappingError extends DeliveryError {
  constructor(message: string, options: DeliveryErrorOptions = {}) {
    super("TR_DELIVERY_MAPPING", message, options);
    this.name = "MappingError";
  }
}

/** `deliver()` rejects with this when `close()` gives up waiting: nothing was dead-lettered, the bus redelivers. */
export class DeliveryShutdownError extends DeliveryError {
  constructor(message: string) {
    super("TR_DELIVERY_SHUTDOWN", message);
    this.name = "DeliveryShutdownError";
  }
}

/** A span's identity inside a request: "<trace_id>:<span_id>". */
export const spanKey = (span: { trace_id: string; span_id: string }): string => `${span.trace_id}:${span.span_id}`;

export interface PartialFailure {
  /** spanKey() of every span this failure is about. */
  keys: string[];
  /** PermanentError / MappingError → dead-lettered with its message; RetryableError → those spans alone are retried. */
  error: DeliveryError;
}

/**
 * Thrown by a client when the destination accepted SOME spans of the request (a Langfuse 207, an OTLP
 * partial success): spans not named in `failures` count as delivered. The helper dead-letters the
 * permanent failures, re-maps and retries only the retryable ones (same retry window), and never
 * counts a partial answer toward opening the breaker (the destination did answer).
 */
export class PartialFailureError extends DeliveryError {
  readonly failures: PartialFailure[];
  constructor(failures: PartialFailure[]) {
    const n = failures.reduce((sum, f) => sum + f.keys.length, 0);
    super("TR_DELIVERY_PARTIAL", `${n} span(s) of the request refused: ${failures.map((f) => f.error.message).slice(0, 3).join("; ")}`);
    this.name = "PartialFailureError";
    this.failures = failures;
  }
}

export class DeliveryConfigError extends DeliveryError {
  readonly problems: string[];
  constructor(problems: string[]) {
    super("TR_DELIVERY_CONFIG", `invalid delivery config: ${problems.join("; ")}`);
    this.name = "DeliveryConfigError";
    this.problems = problems;
  }
}

export type ErrorClass = "permanent" | "transient" | "mapping";

/**
 * How the helper sees any thrown value. Unknown errors (a bug in a client, a TypeError from fetch that
 * the client did not wrap) are treated as transient: dropping spans because of our own bug would be
 * worse than retrying them until the window closes and dead-lettering them with the message.
 */
export function classOf(err: unknown): ErrorClass {
  if (err instanceof MappingError) return "mapping";
  if (err instanceof PermanentError) return "permanent";
  return "transient";
}

export function messageOf(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

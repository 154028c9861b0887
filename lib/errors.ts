// One catalog of stable error codes for everything a client or operator can see. Tests check codes,
// not wording. HTTP handlers turn a TracerelayError into `{ error: { code, message, details? } }`.

export const ERROR_CODES = {
  TR_AUTH_MISSING: { status: 401, summary: "no credentials" },
  TR_AUTH_INVALID: { status: 401, summary: "unknown or wrong key" },
  TR_FORBIDDEN: { status: 403, summary: "this key's project may not do that" },
  TR_BODY_TOO_LARGE: { status: 413, summary: "request body over the limit" },
  TR_BODY_TOO_DEEP: { status: 400, summary: "JSON nested deeper than the limit" },
  TR_BODY_INVALID_JSON: { status: 400, summary: "body is not valid JSON" },
  TR_BODY_ENCODING: { status: 415, summary: "unsupported Content-Encoding or corrupt compressed body" },
  TR_CONTENT_TYPE: { status: 415, summary: "unsupported Content-Type" },
  TR_OTLP_DECODE: { status: 400, summary: "body is not a valid OTLP ExportTraceServiceRequest" },
  TR_LANGFUSE_ENVELOPE: { status: 400, summary: "body is not a Langfuse {batch: [...]} envelope" },
  TR_WEBHOOK_SIGNATURE: { status: 401, summary: "webhook signature missing, expired or wrong" },
  TR_WEBHOOK_SOURCE: { status: 404, summary: "no webhook source with that name is configured" },
  TR_SPANS_INVALID: { status: 400, summary: "no span in the request was valid" },
  TR_BAD_QUERY: { status: 400, summary: "invalid query parameter" },
  TR_NOT_FOUND: { status: 404, summary: "no such resource" },
  TR_REPLAY_INVALID: { status: 400, summary: "the replay request names no letters or an unknown destination" },
  TR_OVERLOADED: { status: 503, summary: "too many requests in flight; retry later" },
  TR_RATE_LIMITED: { status: 429, summary: "rate limit exceeded; retry later" },
  TR_BUS_UNAVAILABLE: { status: 503, summary: "the bus cannot accept writes; retry later" },
  TR_NOT_READY: { status: 503, summary: "still starting or shutting down" },
  TR_CONFIG_INVALID: { status: 500, summary: "configuration is invalid" },
  TR_INTERNAL: { status: 500, summary: "internal error" },
} as const;

export type ErrorCode = keyof typeof ERROR_CODES;

export class TracerelayError extends Error {
  readonly code: ErrorCode;
  readonly status: number;
  readonly details?: unknown;
  readonly retryAfterSec?: number;
  constructor(code: ErrorCode, message: string, options: { details?: unknown; cause?: unknown; retryAfterSec?: number } = {}) {
    super(message, { cause: options.cause });
    this.name = "TracerelayError";
    this.code = code;
    this.status = ERROR_CODES[code].status;
    this.details = options.details;
    this.retryAfterSec = options.retryAfterSec;
  }
}

export function errorBody(err: TracerelayError): { error: { code: ErrorCode; message: string; details?: unknown } } {
  return { error: { code: err.code, message: err.message, ...(err.details === undefined ? {} : { details: err.details }) } };
}

/**
 * A document refused with EVERY problem at once (configuration, rules): each problem a line such as
 * `file:line: setting: reason`. Subclasses set the stable code.
 */
export abstract class ProblemsError extends Error {
  abstract readonly code: string;
  readonly problems: string[];
  constructor(what: string, problems: string[]) {
    super(`invalid ${what}:\n  ${problems.join("\n  ")}`);
    this.problems = problems;
  }
}

// Turns every error into a clear JSON answer with a stable code; nothing escapes as a crash.
// TracerelayError → its status and code; fastify's own body errors → our codes; anything else → 500
// TR_INTERNAL, logged with the stack (the client gets no internals).
import type { FastifyError, FastifyInstance } from "fastify";
import { ERROR_CODES, type ErrorCode, errorBody, TracerelayError } from "../errors.ts";

const FASTIFY_CODES: Record<string, ErrorCode> = {
  FST_ERR_CTP_BODY_TOO_LARGE: "TR_BODY_TOO_LARGE",
  FST_ERR_CTP_INVALID_MEDIA_TYPE: "TR_CONTENT_TYPE",
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: "TR_BODY_ENCODING",
  FST_ERR_CTP_EMPTY_JSON_BODY: "TR_BODY_INVALID_JSON",
  FST_ERR_CTP_INVALID_JSON_BODY: "TR_BODY_INVALID_JSON",
  FST_ERR_VALIDATION: "TR_BAD_QUERY",
};

// Area-specific codes that map onto a general one.
const AREA_CODES: Record<string, ErrorCode> = {
  TR_OTLP_UNSUPPORTED_CONTENT_TYPE: "TR_CONTENT_TYPE",
};

export function toTracerelayError(err: unknown): TracerelayError {
  if (err instanceof TracerelayError) return err;
  const e = err as FastifyError & { errno?: number };
  // Errors from other areas that already carry one of our codes (e.g. OtlpDecodeError).
  if (typeof e.code === "string" && e.code in ERROR_CODES) return new TracerelayError(e.code as ErrorCode, e.message, { cause: err });
  const mapped = e.code ? (FASTIFY_CODES[e.code] ?? AREA_CODES[e.code]) : undefined;
  if (mapped === "TR_CONTENT_TYPE") return new TracerelayError(mapped, `${e.message}; send application/json or application/x-protobuf`);
  if (mapped) return new TracerelayError(mapped, e.message);
  // zlib stream errors surface while fastify reads the decompressed body.
  if (typeof e.code === "string" && e.code.startsWith("Z_")) return new TracerelayError("TR_BODY_ENCODING", `corrupt compressed body: ${e.message}`);
  if (e.statusCode && e.statusCode >= 400 && e.statusCode < 500) return new TracerelayError("TR_BAD_QUERY", e.message);
  return new TracerelayError("TR_INTERNAL", "internal error", { cause: err });
}

export function installErrorHandler(app: FastifyInstance): void {
  app.setErrorHandler((err, request, reply) => {
    const tr = toTracerelayError(err);
    if (tr.code === "TR_INTERNAL") request.log.error({ err }, "unhandled error");
    else request.log.debug({ code: tr.code, msg: tr.message }, "request refused");
    if (tr.retryAfterSec !== undefined) reply.header("retry-after", String(tr.retryAfterSec));
    reply.status(tr.status).send(errorBody(tr));
  });
  app.setNotFoundHandler((request, reply) => {
    reply.status(404).send(errorBody(new TracerelayError("TR_NOT_FOUND", `no route ${request.method} ${request.url.split("?")[0]}`)));
  });
}

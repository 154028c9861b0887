// The ingest edge: every route that accepts spans. Each request is authenticated, admitted (overload /
// rate limits), decoded, normalized into canonical span envelopes, put on the bus, and only then
// acknowledged. Bad items are reported by index and reason; their valid siblings are still accepted.
import type { FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import { authenticate } from "../../lib/auth/credentials.ts";
import type { Principal } from "../../lib/auth/keys.ts";
import { TracerelayError } from "../../lib/errors.ts";
import { assertJsonDepth, parseJsonBody, registerRawBodies } from "../../lib/http/body.ts";
import { processLangfuseBatch } from "./langfuse/batch.ts";
import { decodeOtlpTraces, encodeOtlpResponse, isProtobuf } from "./otlp/index.ts";
import { normalizeOtlp } from "./normalizers/index.ts";
import { publishEnvelopes } from "./publish.ts";
import type { IngestDeps } from "./types.ts";
import { parseWebhookSpans } from "./webhook/spans.ts";
import { verifyWebhookSignature } from "./webhook/verify.ts";

export async function ingestRoutes(app: FastifyInstance, deps: IngestDeps): Promise<void> {
  const { config, metrics } = deps;
  registerRawBodies(app);

  /** Authenticates, admits, runs `work`, releases; records latency and outcome. */
  async function admitted<T>(request: FastifyRequest, route: string, principalOf: () => Principal, work: (p: Principal) => Promise<T>): Promise<T> {
    const started = performance.now();
    const principal = principalOf();
    deps.admission.admit(principal.projectId);
    try {
      return await work(principal);
    } finally {
      deps.admission.release();
      metrics.ackLatency.observe({ route }, (performance.now() - started) / 1000);
      request.log.trace({ route }, "ingest done");
    }
  }

  const otlpHandler = (route: string) => async (request: FastifyRequest, reply: FastifyReply) => {
    const body = request.body as Buffer | undefined;
    const contentType = String(request.headers["content-type"] ?? "");
    const protobuf = isProtobuf(contentType);
    return admitted(request, route, () => authenticate(deps.keys, request.headers), async (principal) => {
      if (!body || body.length === 0) throw new TracerelayError("TR_OTLP_DECODE", "empty body: expected an ExportTraceServiceRequest");
      // JSON depth is bounded before parsing (protobuf nesting is bounded by the decoder's own limit).
      if (!protobuf) assertJsonDepth(body, config.server.max_json_depth);
      const decoded = decodeOtlpTraces(body, contentType);
      const { spans, rejected } = normalizeOtlp(decoded, {
        projectId: principal.projectId,
        format: "otlp",
        priceOverrides: config.pricing.models,
      });
      const { published, invalid } = await publishEnvelopes(deps.bus, spans.map((span) => ({ span })));
      for (const bad of invalid) rejected.push({ index: -1, spanId: bad.spanId, reason: `not a valid canonical span: ${bad.errors.join("; ")}` });
      metrics.spansReceived.inc({ source: "otlp", outcome: "accepted" }, published);
      if (rejected.length) metrics.spansReceived.inc({ source: "otlp", outcome: "rejected" }, rejected.length);
      const message = rejected.length
        ? rejected
            .slice(0, 20)
            .map((r) => `${r.index >= 0 ? `span ${r.index}` : "span"}${r.spanId ? ` (${r.spanId})` : ""}: ${r.reason}`)
            .join("; ")
        : "";
      const partial = rejected.length ? { rejectedSpans: rejected.length, errorMessage: message } : undefined;
      reply.header("content-type", protobuf ? "application/x-protobuf" : "application/json");
      return reply.status(200).send(encodeOtlpResponse(partial, protobuf));
    });
  };

  const otlpLimit = { bodyLimit: config.server.body_limit_bytes };
  app.post("/v1/traces", otlpLimit, otlpHandler("otlp"));
  app.post("/api/public/otel/v1/traces", otlpLimit, otlpHandler("langfuse_otel"));

  app.post("/api/public/ingestion", { bodyLimit: config.server.langfuse_body_limit_bytes }, async (request, reply) =>
    admitted(request, "langfuse_ingestion", () => authenticate(deps.keys, request.headers), async (principal) => {
      // The envelope may nest a little deeper than one event's payload: events too deep are refused
      // one by one (per-event 400 in the 207) by processLangfuseBatch, their siblings still accepted.
      const value = parseJsonBody(request.body as Buffer, config.server.max_json_depth * 2);
      const { envelopes, results, scores, sdkLogs } = processLangfuseBatch(value, {
        projectId: principal.projectId,
        limits: { maxNestingDepth: config.server.max_json_depth },
      });
      const { published, invalid } = await publishEnvelopes(deps.bus, envelopes);
      moveToErrors(results, invalid.map((bad) => ({ eventId: envelopes[bad.index].piece?.id ?? "unknown", errors: bad.errors })));
      metrics.spansReceived.inc({ source: "langfuse", outcome: "accepted" }, published);
      if (results.errors.length) metrics.spansReceived.inc({ source: "langfuse", outcome: "rejected" }, results.errors.length);
      // Scores are not spans; until the score pipeline exists they are counted and logged, never silently lost.
      if (scores.length) {
        metrics.spansReceived.inc({ source: "langfuse_score", outcome: "not_stored" }, scores.length);
        request.log.warn({ scores: scores.length, project: principal.projectId }, "Langfuse score-create events accepted but not stored yet");
      }
      if (sdkLogs.length) request.log.debug({ sdkLogs }, "Langfuse sdk-log events");
      return reply.status(207).send(results);
    }),
  );

  app.post<{ Params: { source: string } }>("/v1/webhooks/:source", otlpLimit, async (request, reply) => {
    const source = config.webhooks[request.params.source];
    if (!source) throw new TracerelayError("TR_WEBHOOK_SOURCE", `no webhook source "${request.params.source}" in the configuration (webhooks.<name>.secret)`);
    const raw = (request.body as Buffer | undefined) ?? Buffer.alloc(0);
    const principalOf = (): Principal => {
      const verdict = verifyWebhookSignature({
        secret: source.secret,
        timestampHeader: header(request, "x-tracerelay-timestamp"),
        signatureHeader: header(request, "x-tracerelay-signature"),
        rawBody: raw,
        nowMs: Date.now(),
      });
      if (!verdict.ok) throw new TracerelayError("TR_WEBHOOK_SIGNATURE", verdict.reason);
      return { projectId: source.project ?? "default", publicKey: `webhook:${request.params.source}` };
    };
    return admitted(request, "webhook", principalOf, async (principal) => {
      const value = parseJsonBody(raw, config.server.max_json_depth);
      const { envelopes, errors } = parseWebhookSpans(value, { projectId: principal.projectId });
      if (envelopes.length === 0 && errors.length > 0) {
        throw new TracerelayError("TR_SPANS_INVALID", "no valid span in the request", { details: errors });
      }
      const { published, invalid } = await publishEnvelopes(deps.bus, envelopes);
      for (const bad of invalid) errors.push({ index: bad.index, errors: bad.errors });
      metrics.spansReceived.inc({ source: "webhook", outcome: "accepted" }, published);
      if (errors.length) metrics.spansReceived.inc({ source: "webhook", outcome: "rejected" }, errors.length);
      return reply.status(errors.length ? 207 : 200).send({ accepted: published, rejected: errors });
    });
  });
}

function header(request: FastifyRequest, name: string): string | undefined {
  const v = request.headers[name];
  return Array.isArray(v) ? v[0] : v;
}

/** Events whose span failed validation at the bus boundary: a 400 in the 207 instead of a 201. */
function moveToErrors(
  results: { successes: Array<{ id: string; status: number }>; errors: Array<{ id: string; status: number; message: string; error?: string }> },
  failed: Array<{ eventId: string; errors: string[] }>,
): void {
  for (const f of failed) {
    results.successes = results.successes.filter((s) => s.id !== f.eventId);
    results.errors.push({ id: f.eventId, status: 400, message: "Invalid request data", error: f.errors.join("; ") });
  }
}

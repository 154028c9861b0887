// `POST /api/public/ingestion` (Langfuse legacy batch ingestion, v2/v3 SDKs) without the HTTP: the route
// hands over the parsed JSON body and the caller's project, and answers with what this returns.
//
// Request: { batch: [ { id, type, timestamp, body, metadata? }, … ], metadata? }. A body that is not
// `{batch: [...]}` throws LangfuseEnvelopeError (HTTP 400 {message: "Invalid request data", errors}).
// Otherwise every event is judged on its own and the route answers HTTP 207 with `results`, Langfuse's
// IngestionResponse: a bad event never fails its siblings, and every event is either a success or an
// error naming its event id — never dropped silently.
//
// Per event:
//   trace / observation events → normalized to one span piece each (`envelopes`), 201
//   score-create               → 201 and returned in `scores`: scores are not spans (yet); the caller counts,
//                                logs or forwards them (e.g. to a Langfuse destination's score API)
//   sdk-log                    → returned in `sdkLogs` for the caller to log; neither success nor error,
//                                exactly as Langfuse answers
//   invalid                    → 400 "Invalid request data" + which JSON path is wrong and how
//   too large / past the cap   → 413 (limits.ts); a failure while mapping → 500 for that event only.
// Limits: see limits.ts (10,000 events per batch, 1 MB per event, nesting depth 64); the 4.5 MB body cap
// is the route's.
import { TracerelayError } from "../../../lib/errors.ts";
import type { SpanEnvelope } from "../../../lib/span/envelope.ts";
import { validateSpan } from "../../../lib/span/validate.ts";
import { normalizeLangfuseEvent } from "../normalizers/langfuse-ingestion.ts";
import { DEFAULT_LANGFUSE_LIMITS, type LangfuseLimits } from "./limits.ts";
import { eventIdOf, invalidEvent, INVALID_REQUEST_DATA, type IngestionError, type IngestionResults } from "./results.ts";
import { formatSchemaErrors, validatorFor } from "./schema.ts";
import type { LangfuseSpanEvent } from "./types.ts";
import { checkLangfuseEvent } from "./validate-event.ts";

export interface LangfuseBatchContext {
  projectId: string;
  /** Overrides of DEFAULT_LANGFUSE_LIMITS (configuration, tests). */
  limits?: Partial<LangfuseLimits>;
}

/** An accepted score-create, as received (validated against ScoreBody). */
export interface LangfuseScore {
  eventId: string;
  timestamp: string;
  body: Record<string, unknown>;
}

/** An accepted sdk-log event: the SDK's own diagnostic, for the caller's log. */
export interface LangfuseSdkLog {
  eventId: string;
  log: unknown;
}

export interface LangfuseBatchResult {
  envelopes: SpanEnvelope[];
  /** The HTTP 207 body. */
  results: IngestionResults;
  scores: LangfuseScore[];
  sdkLogs: LangfuseSdkLog[];
}

/**
 * The request as a whole is not a batch: HTTP 400, code TR_LANGFUSE_ENVELOPE, message "Invalid request data"
 * (Langfuse's wording), `details` = what is wrong (e.g. ["/batch is required"]).
 */
export class LangfuseEnvelopeError extends TracerelayError {
  declare readonly details: string[];

  constructor(details: string[]) {
    super("TR_LANGFUSE_ENVELOPE", INVALID_REQUEST_DATA, { details });
    this.name = "LangfuseEnvelopeError";
  }
}

export function processLangfuseBatch(body: unknown, ctx: LangfuseBatchContext): LangfuseBatchResult {
  const batch = readBatch(body);
  const limits = { ...DEFAULT_LANGFUSE_LIMITS, ...ctx.limits };
  const out: LangfuseBatchResult = { envelopes: [], results: { successes: [], errors: [] }, scores: [], sdkLogs: [] };

  batch.forEach((raw, index) => {
    if (index >= limits.maxEventsPerBatch) {
      out.results.errors.push(pastBatchCap(raw, limits.maxEventsPerBatch));
      return;
    }
    const checked = checkLangfuseEvent(raw, limits);
    if (!checked.ok) {
      out.results.errors.push(checked.error);
      return;
    }
    const { event, spec } = checked;
    switch (spec.entity) {
      case "trace":
      case "observation":
        acceptSpanEvent(event as LangfuseSpanEvent, ctx, out);
        return;
      case "score":
        out.scores.push({ eventId: event.id, timestamp: event.timestamp, body: event.body as Record<string, unknown> });
        out.results.successes.push({ id: event.id, status: 201 });
        return;
      case "sdk-log":
        out.sdkLogs.push({ eventId: event.id, log: (event.body as { log: unknown }).log });
        return;
    }
  });
  return out;
}

function readBatch(body: unknown): unknown[] {
  const validate = validatorFor("IngestionRequest");
  if (!validate(body)) throw new LangfuseEnvelopeError(formatSchemaErrors(validate.errors));
  return (body as { batch: unknown[] }).batch;
}

function acceptSpanEvent(event: LangfuseSpanEvent, ctx: LangfuseBatchContext, out: LangfuseBatchResult): void {
  let envelope: SpanEnvelope;
  try {
    envelope = normalizeLangfuseEvent(event, { projectId: ctx.projectId });
  } catch (err) {
    const error = `could not map the event to a span: ${err instanceof Error ? err.message : String(err)}`;
    out.results.errors.push({ id: event.id, status: 500, message: "Internal Server Error", error });
    return;
  }
  // The schema already holds events to the canonical limits; this is the last guard before the bus.
  const valid = validateSpan(envelope.span);
  if (!valid.ok) {
    out.results.errors.push(invalidEvent(event.id, `the event maps to an invalid span: ${valid.errors.join("; ")}`));
    return;
  }
  out.envelopes.push(envelope);
  out.results.successes.push({ id: event.id, status: 201 });
}

function pastBatchCap(raw: unknown, cap: number): IngestionError {
  return {
    id: eventIdOf(raw),
    status: 413,
    message: "Too many events in batch",
    error: `only the first ${cap} events of a batch are accepted; send this event in another batch`,
  };
}

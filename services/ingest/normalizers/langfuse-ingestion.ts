// Langfuse batch-ingestion events (`POST /api/public/ingestion`, legacy v2/v3 SDKs) → canonical span PIECES.
// Input: one event already validated by services/ingest/langfuse (ingestion-events.schema.json):
//   { id, type: "trace-create" | "<observation>-create|-update" | "observation-create|-update",
//     timestamp: ISO with offset, body: { id, traceId?, parentObservationId?, name?, startTime?, endTime?,
//     completionStartTime?, level?, statusMessage?, model?, modelParameters?, usage?, usageDetails?,
//     costDetails?, promptName?, promptVersion?, input?, output?, metadata?, version?, environment? } }
//   (trace bodies: { id, timestamp?, name?, userId?, sessionId?, tags?, release?, version?, public?, … })
//
// One Langfuse trace = one canonical trace. Ids (lib/span/ids.ts, originals kept in attributes):
//   trace_id       = toTraceId(traceId)                      `langfuse.trace.id`
//   span_id        = toSpanId(observation id)                `langfuse.observation.id`
//   parent_span_id = toSpanId(parentObservationId), else the trace's ROOT span, else null
//                    (`langfuse.observation.parent_id` keeps the original)
// A `trace-create` becomes the trace's ROOT span: span_id = langfuseRootSpanId(traceId), kind `chain`,
// carrying the trace-level fields (name, session, user, tags, release, environment, input/output,
// metadata); top-level observations point at it. An observation without traceId (SDKs < 2.0) is the root
// of its own trace whose id is the observation id, as Langfuse's wrapper trace.
//
// Kinds: GENERATION→llm, AGENT→agent, TOOL→tool, CHAIN→chain, RETRIEVER→retrieval, EMBEDDING→embedding,
// GUARDRAIL→guardrail, EVENT→event (a point in time: end_time = start_time), SPAN→custom and
// EVALUATOR→custom (no closer canonical kind; conventions table §1). `langfuse.observation.type` keeps the
// original type so a Langfuse destination can restore it.
// level → level (lower-case) and status (ERROR → `error`, other levels → `unset`: a level asserts no
// success); statusMessage → status_message; model, modelParameters → model, model_parameters; usage,
// usageDetails, costDetails → usage, cost (rules in langfuse/usage.ts); completionStartTime →
// first_token_ms (via COMPLETION_START_TIME_ATTRIBUTE when the piece lacks start_time); promptName/Version
// → prompt; metadata → `langfuse.metadata.<key>` attributes (non-scalar values as JSON; non-object metadata
// under `langfuse.metadata.metadata`, as Langfuse stores it); version → `langfuse.version`; environment →
// environment normalized like Langfuse (lower-case, `langfuse` prefix stripped, ≤ 40 chars of [a-z0-9_-],
// anything else `default`). The event envelope's own `metadata` is SDK debug info and is not kept.
//
// Pieces (lib/span/envelope.ts, folded by lib/span/merge.ts): piece = { id: event id, order: event
// timestamp in µs, seq: 0 for creates / 1 for updates, fields: what the event really set }. A create sets
// kind, start_time (body's, else the event timestamp — Langfuse's default) and parent; an update sets only
// what it carries. Null/absent values are never "set", so an update never erases (Langfuse: later
// non-undefined values win). Placeholders keep every piece a valid span: name = lower-case Langfuse type,
// kind from the event type, start_time = body's or event timestamp, status `unset`, parent as above.
import type { SpanEnvelope } from "../../../lib/span/envelope.ts";
import { toSpanId, toTraceId } from "../../../lib/span/ids.ts";
import { COMPLETION_START_TIME_ATTRIBUTE } from "../../../lib/span/merge.ts";
import { durationMs, toCanonicalTime, toUnixMicros } from "../../../lib/span/time.ts";
import type { CanonicalSpan, SpanKind } from "../../../lib/span/types.ts";
import { LANGFUSE_EVENT_TYPES } from "../langfuse/event-types.ts";
import type {
  LangfuseLevel,
  LangfuseObservationEvent,
  LangfuseObservationType,
  LangfuseSpanEvent,
  LangfuseTraceEvent,
} from "../langfuse/types.ts";
import { mapLangfuseUsage } from "../langfuse/usage.ts";

export interface LangfuseNormalizeContext {
  projectId: string;
}

type Attributes = NonNullable<CanonicalSpan["attributes"]>;
type AttributeValue = Attributes[string];
type SpanFields = Partial<CanonicalSpan>;
type Placeholders = Pick<CanonicalSpan, "name" | "kind" | "start_time" | "status" | "parent_span_id">;

export const LANGFUSE_SOURCE: Readonly<CanonicalSpan["source"]> = { format: "langfuse", convention: "langfuse" };
export const METADATA_ATTRIBUTE_PREFIX = "langfuse.metadata.";
const DEFAULT_ENVIRONMENT = "default";

export const KIND_BY_OBSERVATION_TYPE: Readonly<Record<LangfuseObservationType, SpanKind>> = {
  GENERATION: "llm",
  AGENT: "agent",
  TOOL: "tool",
  CHAIN: "chain",
  RETRIEVER: "retrieval",
  EMBEDDING: "embedding",
  GUARDRAIL: "guardrail",
  EVENT: "event",
  SPAN: "custom",
  EVALUATOR: "custom",
};

const LEVELS: Readonly<Record<LangfuseLevel, NonNullable<CanonicalSpan["level"]>>> = {
  DEBUG: "debug",
  DEFAULT: "default",
  WARNING: "warning",
  ERROR: "error",
};

/** The span id of a Langfuse trace's root span (the span a `trace-create` becomes). */
export function langfuseRootSpanId(langfuseTraceId: string): string {
  return toSpanId(`trace:${langfuseTraceId}`);
}

/** One validated trace or observation event → one span envelope carrying a piece. */
export function normalizeLangfuseEvent(event: LangfuseSpanEvent, ctx: LangfuseNormalizeContext): SpanEnvelope {
  return event.type === "trace-create" ? normalizeTrace(event, ctx) : normalizeObservation(event, ctx);
}

function normalizeTrace(event: LangfuseTraceEvent, ctx: LangfuseNormalizeContext): SpanEnvelope {
  const { body } = event;
  const attributes: Attributes = { "langfuse.trace.id": body.id };
  const set: SpanFields = {
    kind: "chain",
    start_time: canonicalTime(body.timestamp) ?? eventTime(event),
    parent_span_id: null,
  };
  if (body.name != null) set.name = body.name;
  if (body.sessionId != null) set.session_id = body.sessionId;
  if (body.userId != null) set.user_id = body.userId;
  if (body.tags != null) set.tags = body.tags;
  if (body.release != null) set.release = body.release;
  if (body.public != null) attributes["langfuse.trace.public"] = body.public;
  if (body.externalId != null) attributes["langfuse.trace.external_id"] = body.externalId;
  setSharedFields(set, attributes, body);

  const placeholders: Placeholders = {
    name: "trace",
    kind: "chain",
    start_time: set.start_time!,
    status: "unset",
    parent_span_id: null,
  };
  const identity = { trace_id: toTraceId(body.id), span_id: langfuseRootSpanId(body.id) };
  return assemble(event, ctx, identity, placeholders, set, false);
}

function normalizeObservation(event: LangfuseObservationEvent, ctx: LangfuseNormalizeContext): SpanEnvelope {
  const { body } = event;
  const spec = LANGFUSE_EVENT_TYPES[event.type];
  // Legacy observation-create/update name their type in the body (the schema requires it there).
  const observationType = spec.observationType ?? body.type!;
  const typeIsExplicit = !spec.isUpdate || spec.observationType === undefined;
  const kind = KIND_BY_OBSERVATION_TYPE[observationType];
  // Events without traceId (SDKs < 2.0): Langfuse wraps them in a trace whose id is the observation id.
  const langfuseTraceId = body.traceId ?? body.id;
  const parentSpanId = body.parentObservationId
    ? toSpanId(body.parentObservationId)
    : body.traceId
      ? langfuseRootSpanId(body.traceId)
      : null;
  const startTime = canonicalTime(body.startTime);

  const attributes: Attributes = { "langfuse.trace.id": langfuseTraceId, "langfuse.observation.id": body.id };
  const set: SpanFields = {};
  if (typeIsExplicit) {
    set.kind = kind;
    attributes["langfuse.observation.type"] = observationType.toLowerCase();
  }
  if (!spec.isUpdate) {
    set.start_time = startTime ?? eventTime(event);
    set.parent_span_id = parentSpanId;
  } else {
    if (startTime) set.start_time = startTime;
    if (body.parentObservationId) set.parent_span_id = parentSpanId;
  }
  if (body.parentObservationId) attributes["langfuse.observation.parent_id"] = body.parentObservationId;
  if (body.name != null) set.name = body.name;
  setEndTime(set, canonicalTime(body.endTime), observationType === "EVENT" && !spec.isUpdate);
  setLevelAndStatus(set, body.level, body.statusMessage);
  if (body.model != null) set.model = body.model;
  if (body.modelParameters != null) set.model_parameters = body.modelParameters;
  if (body.promptName) set.prompt = { name: body.promptName, version: body.promptVersion ?? null };
  setFirstToken(set, attributes, canonicalTime(body.completionStartTime));
  const { usage, cost, attributes: usageAttributes } = mapLangfuseUsage(body);
  if (usage) set.usage = usage;
  if (cost) set.cost = cost;
  Object.assign(attributes, usageAttributes);
  setSharedFields(set, attributes, body);

  const placeholders: Placeholders = {
    name: observationType.toLowerCase(),
    kind,
    start_time: startTime ?? eventTime(event),
    status: "unset",
    parent_span_id: parentSpanId,
  };
  const identity = { trace_id: toTraceId(langfuseTraceId), span_id: toSpanId(body.id) };
  return assemble(event, ctx, identity, placeholders, set, spec.isUpdate);
}

/** End time, with Langfuse's clamp (an end before the start becomes the start); events end when they start. */
function setEndTime(set: SpanFields, endTime: string | null, isPointInTime: boolean): void {
  if (endTime) set.end_time = endTime;
  else if (isPointInTime) set.end_time = set.start_time;
  if (set.start_time && set.end_time && set.end_time < set.start_time) set.end_time = set.start_time;
}

function setLevelAndStatus(set: SpanFields, level: LangfuseLevel | null | undefined, message: string | null | undefined): void {
  if (level) {
    set.level = LEVELS[level];
    set.status = level === "ERROR" ? "error" : "unset";
  }
  if (message != null) set.status_message = message;
}

/** completionStartTime: first_token_ms when this piece knows start_time; the fold derives it otherwise. */
function setFirstToken(set: SpanFields, attributes: Attributes, completionStart: string | null): void {
  if (!completionStart) return;
  attributes[COMPLETION_START_TIME_ATTRIBUTE] = completionStart;
  if (set.start_time && completionStart >= set.start_time) set.first_token_ms = durationMs(set.start_time, completionStart);
}

/** Fields traces and observations share: input/output, environment, version, metadata. */
function setSharedFields(
  set: SpanFields,
  attributes: Attributes,
  body: { input?: unknown; output?: unknown; environment?: unknown; version?: string | null; metadata?: unknown },
): void {
  if (body.input != null) set.input = body.input;
  if (body.output != null) set.output = body.output;
  if (body.environment != null) set.environment = normalizeLangfuseEnvironment(body.environment);
  if (body.version != null) attributes["langfuse.version"] = body.version;
  Object.assign(attributes, metadataAttributes(body.metadata));
  set.attributes = attributes;
}

function assemble(
  event: LangfuseSpanEvent,
  ctx: LangfuseNormalizeContext,
  identity: { trace_id: string; span_id: string },
  placeholders: Placeholders,
  set: SpanFields,
  isUpdate: boolean,
): SpanEnvelope {
  const span: CanonicalSpan = {
    schema_version: 1,
    ...identity,
    project_id: ctx.projectId,
    source: { ...LANGFUSE_SOURCE },
    ...placeholders,
    ...set,
  };
  if (set.start_time && set.end_time) span.duration_ms = durationMs(set.start_time, set.end_time);
  const fields = Object.keys(set) as Array<keyof CanonicalSpan>;
  const order = Number(toUnixMicros(eventTime(event)));
  return { span, piece: { id: event.id, order, seq: isUpdate ? 1 : 0, fields } };
}

/** Langfuse PublicEnvironmentName: lower-case, leading `langfuse` prefixes stripped, ≤ 40 of [a-z0-9_-]. */
export function normalizeLangfuseEnvironment(value: unknown): string {
  if (typeof value !== "string") return DEFAULT_ENVIRONMENT;
  const name = value.toLowerCase().replace(/^(?:langfuse[-_]?)+/, "").slice(0, 40);
  return /^[a-z0-9_-]+$/.test(name) ? name : DEFAULT_ENVIRONMENT;
}

/** Metadata → flat `langfuse.metadata.<key>` attributes; non-object metadata is stored under key `metadata`. */
export function metadataAttributes(metadata: unknown): Attributes {
  if (metadata == null) return {};
  const record = typeof metadata === "object" && !Array.isArray(metadata) ? metadata : { metadata };
  return Object.fromEntries(
    Object.entries(record).map(([key, value]) => [`${METADATA_ATTRIBUTE_PREFIX}${key}`, attributeValue(value)]),
  );
}

const attributeValue = (value: unknown): AttributeValue =>
  value === null || typeof value === "string" || typeof value === "number" || typeof value === "boolean"
    ? value
    : JSON.stringify(value);

function canonicalTime(value: string | null | undefined): string | null {
  return value ? toCanonicalTime(value) : null;
}

function eventTime(event: LangfuseSpanEvent): string {
  const time = toCanonicalTime(event.timestamp);
  if (time === null) throw new Error(`event ${event.id}: timestamp ${JSON.stringify(event.timestamp)} is not a time`);
  return time;
}

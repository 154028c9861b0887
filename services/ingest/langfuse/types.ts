// TypeScript shapes of Langfuse batch-ingestion events AFTER validation against
// ingestion-events.schema.json (which is the source of truth for what is accepted). Optional fields are
// `null | undefined` as in Langfuse's zod `nullish()`; unknown extra properties may be present.

export type LangfuseLevel = "DEBUG" | "DEFAULT" | "WARNING" | "ERROR";

/** Langfuse `ObservationType` (what the UI shows), from the event type or, for legacy events, the body. */
export type LangfuseObservationType =
  | "SPAN"
  | "GENERATION"
  | "EVENT"
  | "AGENT"
  | "TOOL"
  | "CHAIN"
  | "RETRIEVER"
  | "EVALUATOR"
  | "EMBEDDING"
  | "GUARDRAIL";

type Maybe<T> = T | null | undefined;

/** Deprecated `usage` object: Langfuse counts, or OpenAI-style camelCase token counts. */
export interface LangfuseLegacyUsage {
  input?: Maybe<number>;
  output?: Maybe<number>;
  total?: Maybe<number>;
  unit?: Maybe<string>;
  promptTokens?: Maybe<number>;
  completionTokens?: Maybe<number>;
  totalTokens?: Maybe<number>;
  inputCost?: Maybe<number>;
  outputCost?: Maybe<number>;
  totalCost?: Maybe<number>;
}

export interface LangfuseTraceBody {
  id: string;
  timestamp?: Maybe<string>;
  name?: Maybe<string>;
  externalId?: Maybe<string>;
  input?: unknown;
  output?: unknown;
  sessionId?: Maybe<string>;
  userId?: Maybe<string>;
  environment?: unknown;
  metadata?: unknown;
  release?: Maybe<string>;
  version?: Maybe<string>;
  public?: Maybe<boolean>;
  tags?: Maybe<string[]>;
}

/** Union of every observation body (event, span, generation-like, legacy): fields absent where not allowed. */
export interface LangfuseObservationBody {
  id: string;
  /** Only on legacy observation-create/update. */
  type?: "GENERATION" | "SPAN" | "EVENT";
  traceId?: Maybe<string>;
  environment?: unknown;
  name?: Maybe<string>;
  startTime?: Maybe<string>;
  endTime?: Maybe<string>;
  completionStartTime?: Maybe<string>;
  metadata?: unknown;
  input?: unknown;
  output?: unknown;
  level?: Maybe<LangfuseLevel>;
  statusMessage?: Maybe<string>;
  parentObservationId?: Maybe<string>;
  version?: Maybe<string>;
  model?: Maybe<string>;
  modelParameters?: Maybe<Record<string, unknown>>;
  usage?: Maybe<LangfuseLegacyUsage>;
  usageDetails?: Maybe<Record<string, unknown>>;
  costDetails?: Maybe<Record<string, unknown>>;
  promptName?: Maybe<string>;
  promptVersion?: Maybe<number>;
}

export interface LangfuseEventEnvelope<TType extends string, TBody> {
  id: string;
  type: TType;
  /** ISO 8601 with offset: when the client created the event; orders pieces of one entity. */
  timestamp: string;
  metadata?: unknown;
  body: TBody;
}

export type LangfuseTraceEvent = LangfuseEventEnvelope<"trace-create", LangfuseTraceBody>;
export type LangfuseObservationEvent = LangfuseEventEnvelope<LangfuseObservationEventType, LangfuseObservationBody>;
/** The events that become canonical spans (or pieces of them). */
export type LangfuseSpanEvent = LangfuseTraceEvent | LangfuseObservationEvent;

export type LangfuseObservationEventType =
  | "span-create"
  | "span-update"
  | "generation-create"
  | "generation-update"
  | "event-create"
  | "agent-create"
  | "tool-create"
  | "chain-create"
  | "retriever-create"
  | "evaluator-create"
  | "embedding-create"
  | "guardrail-create"
  | "observation-create"
  | "observation-update";

export type LangfuseEventType = "trace-create" | LangfuseObservationEventType | "score-create" | "sdk-log";

/** A validated event of any accepted type (body typed loosely for scores and SDK logs). */
export type LangfuseEvent =
  | LangfuseSpanEvent
  | LangfuseEventEnvelope<"score-create", Record<string, unknown>>
  | LangfuseEventEnvelope<"sdk-log", { log: unknown }>;

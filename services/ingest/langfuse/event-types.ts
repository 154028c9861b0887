// The event types `POST /api/public/ingestion` accepts — one table that both validation (which schema)
// and normalization (which entity, which observation type, create or update) read, so adding a type is
// one row. Taken from the server's `ingestionEvent` union at Langfuse v4.16.0 (contracts/langfuse/NOTES.md
// §2.2), which is wider than the OpenAPI spec: agent/tool/chain/retriever/evaluator/embedding/guardrail
// `-create` exist only on the server. There are no `trace-update` or `agent-update` events: Langfuse
// clients update those entities by sending another `*-create` with the same body.id (an upsert).
import type { LangfuseEventType, LangfuseObservationType } from "./types.ts";

export type LangfuseEntity = "trace" | "observation" | "score" | "sdk-log";

export interface LangfuseEventTypeSpec {
  /** `$defs` entry of ingestion-events.schema.json that validates the whole event. */
  schema: string;
  entity: LangfuseEntity;
  /** Observation type the event implies; legacy observation-create/update carry it in `body.type`. */
  observationType?: LangfuseObservationType;
  /** `*-update` events: they fold after a create with the same timestamp and set only what they carry. */
  isUpdate: boolean;
}

function observation(schema: string, observationType: LangfuseObservationType | undefined, isUpdate = false): LangfuseEventTypeSpec {
  return { schema, entity: "observation", observationType, isUpdate };
}

export const LANGFUSE_EVENT_TYPES: Readonly<Record<LangfuseEventType, LangfuseEventTypeSpec>> = {
  "trace-create": { schema: "TraceEvent", entity: "trace", isUpdate: false },
  "span-create": observation("SpanEvent", "SPAN"),
  "span-update": observation("SpanEvent", "SPAN", true),
  "generation-create": observation("GenerationEvent", "GENERATION"),
  "generation-update": observation("GenerationEvent", "GENERATION", true),
  "event-create": observation("EventCreateEvent", "EVENT"),
  "agent-create": observation("GenerationEvent", "AGENT"),
  "tool-create": observation("GenerationEvent", "TOOL"),
  "chain-create": observation("GenerationEvent", "CHAIN"),
  "retriever-create": observation("GenerationEvent", "RETRIEVER"),
  "evaluator-create": observation("GenerationEvent", "EVALUATOR"),
  "embedding-create": observation("GenerationEvent", "EMBEDDING"),
  "guardrail-create": observation("GenerationEvent", "GUARDRAIL"),
  "observation-create": observation("LegacyObservationEvent", undefined),
  "observation-update": observation("LegacyObservationEvent", undefined, true),
  "score-create": { schema: "ScoreEvent", entity: "score", isUpdate: false },
  "sdk-log": { schema: "SdkLogEvent", entity: "sdk-log", isUpdate: false },
};

export const ACCEPTED_EVENT_TYPES = Object.keys(LANGFUSE_EVENT_TYPES) as LangfuseEventType[];

/** Types Langfuse knows but refuses on its public endpoint; they get their own explanation. */
export const REFUSED_EVENT_TYPES: Readonly<Record<string, string>> = {
  "dataset-run-item-create": "dataset-run-item-create is only accepted from Langfuse itself, not on the public API",
  "trace-update": "there is no trace-update event: send another trace-create with the same body.id to update a trace",
};

export function isAcceptedEventType(type: unknown): type is LangfuseEventType {
  return typeof type === "string" && Object.hasOwn(LANGFUSE_EVENT_TYPES, type);
}

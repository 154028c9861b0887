// The canonical span type. Generated from schemas/span.v1.schema.json — edit the schema, then `npm run gen:types`.
export type { CanonicalSpan, Cost, Usage } from "../../schemas/generated/span.v1.ts";
import type { CanonicalSpan } from "../../schemas/generated/span.v1.ts";

export type SpanKind = CanonicalSpan["kind"];
export type SpanStatus = CanonicalSpan["status"];
export type SourceFormat = CanonicalSpan["source"]["format"];

/** Kinds whose usage and cost describe a model call; trace totals sum only these (see store/sql/queries). */
export const MODEL_KINDS: readonly SpanKind[] = ["llm", "embedding", "rerank"];

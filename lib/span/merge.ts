// Folds the pieces of one span (Langfuse `*-create` / `*-update`, LangSmith post / patch, …) into ONE
// canonical span. Pure and order-independent: any permutation of the same pieces, with or without
// redelivered duplicates, folds to the same span — so the store, the router and every destination agree.
//
// The fold (mirrors the Langfuse worker's merge, IngestionService.mergeRecords / overwriteObject):
//  1. sort by (order, seq, id): source event time, create before update on ties, then a stable tie-break
//     (for differing copies under one id, their content);
//  2. dedupe by piece id, keeping the copy that sorts first: a redelivered event is folded once, even if
//     the copy claims another time;
//  3. start from the earliest piece's identity and placeholders (the keys every piece carries even when it
//     did not set them: ids, project, source, name, kind, start_time, status, parent_span_id);
//  4. apply each piece's `fields`, later wins, except:
//       attributes   merged key by key (later wins per key);
//       tags         union, in first-seen order;
//       usage, cost  later NON-EMPTY wins: an empty or absent object never erases earlier numbers;
//       start_time   FIRST wins — when something started is a fact of its first event (Langfuse keeps
//                    start_time/timestamp immutable; a trace-create re-sent to update a trace carries
//                    a new `timestamp` that must not move the trace);
//  5. derive: end_time earlier than start_time is clamped to start_time (as Langfuse does); duration_ms
//     from start/end; first_token_ms from the COMPLETION_START_TIME_ATTRIBUTE when a piece knew when the
//     first token came but not when the span started (e.g. a generation-update).
// An envelope without `piece` counts as a piece that set every field it carries, ordered by start_time.
import { durationMs, toUnixMicros } from "./time.ts";
import type { SpanEnvelope, SpanPiece } from "./envelope.ts";
import type { CanonicalSpan } from "./types.ts";

type Field = keyof CanonicalSpan;

/**
 * Canonical time (string) at which the first token/chunk arrived. Set by normalizers whose pieces may know
 * it without knowing start_time; the fold turns it into `first_token_ms` once start_time is known.
 */
export const COMPLETION_START_TIME_ATTRIBUTE = "tracerelay.completion_start_time";

/** Keys every piece carries (placeholders when it did not set them); the fold starts from the earliest. */
const CARRIED_KEYS: readonly Field[] = [
  "schema_version",
  "trace_id",
  "span_id",
  "parent_span_id",
  "project_id",
  "source",
  "name",
  "kind",
  "start_time",
  "status",
];
const IDENTITY_KEYS: ReadonlySet<Field> = new Set(["schema_version", "trace_id", "span_id", "project_id", "source"]);

interface OrderedPiece {
  span: CanonicalSpan;
  piece: SpanPiece;
}

export function mergePieces(pieces: readonly SpanEnvelope[]): CanonicalSpan {
  if (pieces.length === 0) throw new Error("mergePieces: no pieces to merge");
  const ordered = dedupe(pieces.map(withPiece).sort(compareOrdered));
  assertSameSpan(ordered);

  const fold: Fold = { span: pick(ordered[0].span, CARRIED_KEYS), startTimeSet: false };
  for (const { span, piece } of ordered) applyFields(fold, span, piece.fields);
  return deriveTiming(fold.span);
}

function withPiece(envelope: SpanEnvelope): OrderedPiece {
  if (envelope.piece) return { span: envelope.span, piece: envelope.piece };
  const fields = (Object.keys(envelope.span) as Field[]).filter((k) => !IDENTITY_KEYS.has(k));
  const order = Number(toUnixMicros(envelope.span.start_time));
  return { span: envelope.span, piece: { id: "", order, seq: 0, fields } };
}

function compareOrdered(a: OrderedPiece, b: OrderedPiece): number {
  return (
    a.piece.order - b.piece.order ||
    a.piece.seq - b.piece.seq ||
    compareStrings(a.piece.id, b.piece.id) ||
    // Same id, time and seq: a redelivery. Identical copies fold identically; for differing copies the
    // content decides, so that the result never depends on arrival order.
    compareStrings(stableJson(a), stableJson(b))
  );
}

const compareStrings = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);

/** Keeps the first (in fold order) piece of each id; pieces without an id are never duplicates. */
function dedupe(sorted: OrderedPiece[]): OrderedPiece[] {
  const seen = new Set<string>();
  return sorted.filter(({ piece }) => {
    if (piece.id === "") return true;
    if (seen.has(piece.id)) return false;
    seen.add(piece.id);
    return true;
  });
}

function assertSameSpan(pieces: OrderedPiece[]): void {
  const { trace_id, span_id } = pieces[0].span;
  const stranger = pieces.find(({ span }) => span.trace_id !== trace_id || span.span_id !== span_id);
  if (stranger) {
    throw new Error(
      `mergePieces: pieces of different spans (${trace_id}/${span_id} and ${stranger.span.trace_id}/${stranger.span.span_id})`,
    );
  }
}

function pick(span: CanonicalSpan, keys: readonly Field[]): CanonicalSpan {
  const out: Record<string, unknown> = {};
  for (const key of keys) if (span[key] !== undefined) out[key] = structuredClone(span[key]);
  return out as unknown as CanonicalSpan;
}

const isEmptyObject = (v: unknown): boolean =>
  v == null || (typeof v === "object" && Object.keys(v as object).length === 0);

/** The running result of the fold, and whether a piece has really set start_time yet (first wins). */
interface Fold {
  span: CanonicalSpan;
  startTimeSet: boolean;
}

/** Applies one piece's fields to the running result (never mutates the piece's span). */
function applyFields(fold: Fold, span: CanonicalSpan, fields: readonly Field[]): void {
  const merged = fold.span;
  for (const field of new Set(fields)) {
    const value = span[field];
    if (value === undefined || IDENTITY_KEYS.has(field)) continue;
    switch (field) {
      case "attributes":
        merged.attributes = { ...merged.attributes, ...structuredClone(span.attributes) };
        break;
      case "tags":
        merged.tags = [...new Set([...(merged.tags ?? []), ...(span.tags ?? [])])];
        break;
      case "usage":
      case "cost":
        if (!isEmptyObject(value)) (merged as unknown as Record<string, unknown>)[field] = structuredClone(value);
        break;
      case "start_time":
        if (!fold.startTimeSet) merged.start_time = span.start_time;
        fold.startTimeSet = true;
        break;
      default:
        (merged as unknown as Record<string, unknown>)[field] = structuredClone(value);
    }
  }
}

function deriveTiming(span: CanonicalSpan): CanonicalSpan {
  if (span.end_time && span.end_time < span.start_time) span.end_time = span.start_time;
  if (span.end_time) span.duration_ms = durationMs(span.start_time, span.end_time);
  else delete span.duration_ms;

  const firstToken = span.attributes?.[COMPLETION_START_TIME_ATTRIBUTE];
  if (typeof firstToken === "string" && firstToken >= span.start_time) {
    span.first_token_ms = durationMs(span.start_time, firstToken);
  }
  return span;
}

/** JSON with sorted object keys: equal content → equal string, whatever the key order. */
function stableJson(value: unknown): string {
  return JSON.stringify(value, (_key, v) =>
    v !== null && typeof v === "object" && !Array.isArray(v)
      ? Object.fromEntries(Object.keys(v).sort().map((k) => [k, (v as Record<string, unknown>)[k]]))
      : v,
  );
}

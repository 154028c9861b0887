// What travels on the `spans` topic: one canonical span, optionally marked as a PIECE of a span.
// Sources that send a span in pieces (Langfuse `*-create` then `*-update`, LangSmith post then patch)
// produce one envelope per piece; `fields` lists the canonical fields that piece really set (the
// span's other required fields carry placeholders). lib/span/merge.ts folds pieces into ONE span.
import type { CanonicalSpan } from "./types.ts";

export interface SpanPiece {
  /** Stable id of the source event (Langfuse event id): a redelivered piece is recognised and folded once. */
  id: string;
  /** Source event time in epoch microseconds: pieces fold in this order (later values win). */
  order: number;
  /** Tie-breaker for equal `order`: create (0) before update (1), as Langfuse does. */
  seq: number;
  /** Canonical fields this piece set. `attributes` merge key by key; `tags` are unioned. */
  fields: Array<keyof CanonicalSpan>;
}

export interface SpanEnvelope {
  span: CanonicalSpan;
  piece?: SpanPiece;
}

const piecesOf = new WeakMap<CanonicalSpan, SpanPiece>();

/** Marks a span parsed from a bus record as a piece (the record's `piece` header), for the store's fold. */
export function attachPiece(span: CanonicalSpan, piece: SpanPiece): void {
  piecesOf.set(span, piece);
}

/** The piece a span was marked with (attachPiece), if any. */
export function pieceOf(span: CanonicalSpan): SpanPiece | undefined {
  return piecesOf.get(span);
}

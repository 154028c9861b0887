// Store mapper (pure): a batch of canonical spans → one span-writer call. A complete span is written
// as the bytes it arrived in (no re-encoding); a piece (a span parsed from a record with a `piece`
// header, see attachPiece) goes to the writer as a piece, which folds it with the earlier ones.
import { pieceOf, type SpanEnvelope } from "../../lib/span/envelope.ts";
import { spanBytes } from "../../lib/span/json.ts";
import type { CanonicalSpan } from "../../lib/span/types.ts";
import type { RawSpanLine } from "../../lib/store/span-writer.ts";
import { idempotencyKey } from "../_delivery/index.ts";

export interface StoreRequest {
  items: Array<SpanEnvelope | RawSpanLine>;
  spans: CanonicalSpan[];
  /** Sent as the insert's query id in server mode: a retried insert carries the same one. */
  idempotencyKey: string;
}

export function mapStore(spans: CanonicalSpan[]): StoreRequest {
  const items = spans.map((span): SpanEnvelope | RawSpanLine => {
    const piece = pieceOf(span);
    return piece ? { span, piece } : { raw: spanBytes(span) };
  });
  return { items, spans, idempotencyKey: idempotencyKey(spans) };
}

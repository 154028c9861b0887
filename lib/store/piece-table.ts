// The `span_pieces` table (lib/store/sql/migrations/002-span-pieces.sql): the truth about pieces of spans
// sent in pieces. The span writer stores every new piece here before it writes the folded span, and
// reads a span's earlier pieces back from here when its in-memory cache does not have them (after a
// restart, or when the cache evicted the span).
import type { SpanEnvelope, SpanPiece } from "../span/envelope.ts";
import type { CanonicalSpan } from "../span/types.ts";
import type { SqlClient } from "./types.ts";

/** A span sent in pieces: a canonical span with its piece marker. */
export type PieceEnvelope = SpanEnvelope & { piece: SpanPiece };

/** Identity of a span across pieces and rows. */
export function spanKey(span: Pick<CanonicalSpan, "project_id" | "trace_id" | "span_id">): string {
  return `${span.project_id}\u0000${span.trace_id}\u0000${span.span_id}`;
}

export async function insertPieces(sql: SqlClient, pieces: readonly PieceEnvelope[]): Promise<void> {
  await sql.insert(
    "span_pieces",
    pieces.map(({ span, piece }) => ({
      project_id: span.project_id,
      trace_id: span.trace_id,
      span_id: span.span_id,
      piece_id: piece.id,
      piece_order: piece.order,
      piece_seq: piece.seq,
      fields: piece.fields,
      span: JSON.stringify(span),
    })),
  );
}

interface PieceRow {
  project_id: string;
  trace_id: string;
  span_id: string;
  piece_id: string;
  piece_order: number | string;
  piece_seq: number | string;
  fields: string[];
  span: string;
}

const LOAD_PIECES = `
SELECT project_id, trace_id, span_id, piece_id, piece_order, piece_seq, fields, span
FROM span_pieces FINAL
WHERE project_id IN {project_ids:Array(String)}
  AND trace_id IN {trace_ids:Array(String)}
  AND span_id IN {span_ids:Array(String)}`;

/**
 * Loads the stored pieces of the given spans (by spanKey) in ONE query. The query filters by the three
 * id sets (so the primary key prunes); rows of other combinations are dropped here.
 */
export async function loadPieces(sql: SqlClient, spans: readonly CanonicalSpan[]): Promise<Map<string, PieceEnvelope[]>> {
  const found = new Map<string, PieceEnvelope[]>();
  if (spans.length === 0) return found;
  const wanted = new Set(spans.map(spanKey));
  const distinct = (pick: (s: CanonicalSpan) => string) => [...new Set(spans.map(pick))];
  const rows = await sql.query<PieceRow>(LOAD_PIECES, {
    project_ids: distinct((s) => s.project_id),
    trace_ids: distinct((s) => s.trace_id),
    span_ids: distinct((s) => s.span_id),
  });
  for (const row of rows) {
    const key = spanKey(row);
    if (!wanted.has(key)) continue;
    const piece: PieceEnvelope = {
      span: JSON.parse(row.span) as CanonicalSpan,
      piece: { id: row.piece_id, order: Number(row.piece_order), seq: Number(row.piece_seq), fields: row.fields as SpanPiece["fields"] },
    };
    const list = found.get(key);
    if (list) list.push(piece);
    else found.set(key, [piece]);
  }
  return found;
}

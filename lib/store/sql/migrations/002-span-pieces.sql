-- span_pieces: every piece of a span sent in pieces (Langfuse create/update, LangSmith post/patch), kept
-- as the truth the span writer folds from (lib/store/span-writer.ts). One row per (span, piece id): a
-- redelivered piece replaces itself. `span` is the piece's canonical span as JSON; `fields` the canonical
-- fields it really set; (piece_order, piece_seq) the fold order.
CREATE TABLE IF NOT EXISTS span_pieces
(
    project_id    LowCardinality(String),
    trace_id      String,
    span_id       String,
    piece_id      String,
    piece_order   Int64,
    piece_seq     Int32,
    fields        Array(LowCardinality(String)),
    span          String CODEC(ZSTD(1)),
    _inserted_at  DateTime64(3, 'UTC') DEFAULT now64(3)
)
ENGINE = ReplacingMergeTree
ORDER BY (project_id, trace_id, span_id, piece_id);

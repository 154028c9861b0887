-- spans: one row per canonical span (schemas/span.v1.schema.json). Column names ARE the canonical field
-- names, so a canonical span's JSON line inserts as it is (JSONEachRow with the settings in
-- lib/store/span-insert.ts): nested `usage`, `cost` and `source` objects land in named tuples; JSON-ish
-- fields (input, output, model_parameters, tool_calls, prompt, attributes, events) are read into String
-- columns as their raw JSON text. No JSON is re-encoded between the bus and the engine.
-- ReplacingMergeTree(_version) keyed by (project_id, trace_id, span_id): a redelivered span replaces
-- itself, a merged span (pieces folded) replaces an earlier fold because its version is higher. Readers
-- use FINAL so a span never shows twice, even before background merges.
-- No partition key: ReplacingMergeTree only deduplicates within a partition, and a span's start_time can
-- change between versions (a piece may carry a placeholder start), so a time partition could keep both.
CREATE TABLE IF NOT EXISTS spans
(
    project_id          LowCardinality(String),
    trace_id            String,
    span_id             String,
    parent_span_id      Nullable(String),
    name                String,
    kind                LowCardinality(String),
    start_time          DateTime64(6, 'UTC') CODEC(Delta, ZSTD(1)),
    end_time            Nullable(DateTime64(6, 'UTC')) CODEC(Delta, ZSTD(1)),
    duration_ms         Nullable(Float64),
    status              LowCardinality(String),
    status_message      Nullable(String) CODEC(ZSTD(1)),
    level               LowCardinality(Nullable(String)),
    session_id          Nullable(String),
    user_id             Nullable(String),
    tags                Array(LowCardinality(String)),
    environment         LowCardinality(Nullable(String)),
    release             LowCardinality(Nullable(String)),
    service_name        LowCardinality(Nullable(String)),
    model               LowCardinality(Nullable(String)),
    provider            LowCardinality(Nullable(String)),
    model_parameters    Nullable(String) CODEC(ZSTD(1)),
    input               Nullable(String) CODEC(ZSTD(1)),
    output              Nullable(String) CODEC(ZSTD(1)),
    usage               Tuple(
                            input_tokens Nullable(UInt64),
                            output_tokens Nullable(UInt64),
                            total_tokens Nullable(UInt64),
                            cache_read_tokens Nullable(UInt64),
                            cache_write_tokens Nullable(UInt64),
                            reasoning_tokens Nullable(UInt64)),
    cost                Tuple(
                            input_usd Nullable(Float64),
                            output_usd Nullable(Float64),
                            total_usd Nullable(Float64),
                            source LowCardinality(Nullable(String))),
    stop_reason         LowCardinality(Nullable(String)),
    first_token_ms      Nullable(Float64),
    thinking            Nullable(String) CODEC(ZSTD(1)),
    tool_calls          Nullable(String) CODEC(ZSTD(1)),
    prompt              Nullable(String) CODEC(ZSTD(1)),
    attributes          Nullable(String) CODEC(ZSTD(1)),
    events              Nullable(String) CODEC(ZSTD(1)),
    source              Tuple(format LowCardinality(String), convention LowCardinality(Nullable(String))),
    schema_version      UInt8,
    _version            UInt64 DEFAULT 0,
    _inserted_at        DateTime64(3, 'UTC') DEFAULT now64(3)
)
ENGINE = ReplacingMergeTree(_version)
ORDER BY (project_id, trace_id, span_id);

-- trace_index: one aggregate row per trace (after merges), fed by a materialized view on every insert
-- into spans. Only DUPLICATE-SAFE aggregates live here (min, max, argMin, set unions): inserting the same
-- span twice leaves every value unchanged. Token and cost totals are deliberately absent — they are not
-- duplicate-safe as plain sums and follow the model-call rule — and are computed from spans FINAL for the
-- traces a query returns (services/explorer/queries/model-calls.ts).
-- Readers GROUP BY trace_id and finalize (min/max/…Merge) because unmerged parts hold partial rows.
CREATE TABLE IF NOT EXISTS trace_index
(
    project_id    LowCardinality(String),
    trace_id      String,
    start_time    SimpleAggregateFunction(min, DateTime64(6, 'UTC')),
    last_time     SimpleAggregateFunction(max, DateTime64(6, 'UTC')),
    -- name of the root span (no parent), else of the earliest span
    root_name     AggregateFunction(argMin, String, Tuple(UInt8, DateTime64(6, 'UTC'))),
    session_id    SimpleAggregateFunction(max, Nullable(String)),
    user_id       SimpleAggregateFunction(max, Nullable(String)),
    environment   SimpleAggregateFunction(max, Nullable(String)),
    tags          SimpleAggregateFunction(groupUniqArrayArray, Array(String)),
    models        SimpleAggregateFunction(groupUniqArrayArray, Array(String)),
    has_error     SimpleAggregateFunction(max, UInt8),
    has_ok        SimpleAggregateFunction(max, UInt8)
)
ENGINE = AggregatingMergeTree
ORDER BY (project_id, trace_id);

CREATE MATERIALIZED VIEW IF NOT EXISTS trace_index_mv TO trace_index AS
SELECT
    project_id,
    trace_id,
    min(s.start_time) AS start_time,
    max(coalesce(s.end_time, s.start_time)) AS last_time,
    argMinState(s.name, (toUInt8(s.parent_span_id IS NOT NULL), s.start_time)) AS root_name,
    max(CAST(s.session_id, 'Nullable(String)')) AS session_id,
    max(CAST(s.user_id, 'Nullable(String)')) AS user_id,
    max(CAST(s.environment, 'Nullable(String)')) AS environment,
    groupUniqArrayArray(CAST(s.tags, 'Array(String)')) AS tags,
    groupUniqArrayArray(if(s.model IS NULL, CAST([], 'Array(String)'), [CAST(assumeNotNull(s.model), 'String')])) AS models,
    max(toUInt8(s.status = 'error' OR ifNull(s.level, '') = 'error')) AS has_error,
    max(toUInt8(s.status = 'ok')) AS has_ok
FROM spans AS s
GROUP BY project_id, trace_id;

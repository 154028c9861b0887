-- session_index: one aggregate row per session (after merges), fed from spans that carry a session id.
-- Duplicate-safe aggregates only; `trace_ids` is the set of traces in the session, so a session's traces
-- (and their exact totals) are found without scanning the project's traces.
CREATE TABLE IF NOT EXISTS session_index
(
    project_id    LowCardinality(String),
    session_id    String,
    first_time    SimpleAggregateFunction(min, DateTime64(6, 'UTC')),
    last_time     SimpleAggregateFunction(max, DateTime64(6, 'UTC')),
    user_id       SimpleAggregateFunction(max, Nullable(String)),
    trace_ids     SimpleAggregateFunction(groupUniqArrayArray, Array(String))
)
ENGINE = AggregatingMergeTree
ORDER BY (project_id, session_id);

CREATE MATERIALIZED VIEW IF NOT EXISTS session_index_mv TO session_index AS
SELECT
    project_id,
    assumeNotNull(s.session_id) AS session_id,
    min(s.start_time) AS first_time,
    max(coalesce(s.end_time, s.start_time)) AS last_time,
    max(CAST(s.user_id, 'Nullable(String)')) AS user_id,
    groupUniqArray(s.trace_id) AS trace_ids
FROM spans AS s
WHERE s.session_id IS NOT NULL
GROUP BY project_id, session_id;

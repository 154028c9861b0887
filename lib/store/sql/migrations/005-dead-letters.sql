-- dead_letters: the failed-delivery log behind GET /api/v1/deliveries/failed and replay. One row per
-- letter and state change: a letter is written when a destination gives up on spans (status 'failed')
-- and again, same id and a higher `version`, when it is replayed (status 'replayed'). Reads use FINAL.
-- `spans` is the JSON array of the canonical spans exactly as the destination received them (after
-- the rules' redaction for that destination). `expires_at` = dead-lettered + the retention setting.
CREATE TABLE IF NOT EXISTS dead_letters
(
    id                String,
    project_id        LowCardinality(String),
    destination       LowCardinality(String),
    error_class       LowCardinality(String),
    error_code        LowCardinality(String),
    error_message     String,
    error_status      Nullable(UInt16),
    attempts          UInt32,
    first_attempt_at  DateTime64(3, 'UTC'),
    last_attempt_at   DateTime64(3, 'UTC'),
    dead_lettered_at  DateTime64(6, 'UTC'),
    span_count        UInt32,
    trace_ids         Array(String),
    spans             String,
    replay_of         Array(String),
    status            LowCardinality(String),
    replayed_at       Nullable(DateTime64(3, 'UTC')),
    replayed_to       Nullable(String),
    expires_at        DateTime('UTC'),
    version           UInt64
)
ENGINE = ReplacingMergeTree(version)
ORDER BY (project_id, id)
TTL expires_at;

-- destination_heartbeats: what each deliver process reports about its destinations every few seconds
-- (GET /api/v1/destinations, the UI's delivery dashboard). Counters are totals since the process
-- started; throughput is their difference between heartbeats of the same instance.
CREATE TABLE IF NOT EXISTS destination_heartbeats
(
    destination       LowCardinality(String),
    type              LowCardinality(String),
    instance          String,
    at                DateTime64(3, 'UTC'),
    started_at        DateTime64(3, 'UTC'),
    breaker           LowCardinality(String),
    delivered         UInt64,
    failed            UInt64,
    retried           UInt64,
    dead_lettered     UInt64,
    pending           UInt32,
    lag               Int64,
    p95_ms            Nullable(Float64),
    last_error        Nullable(String),
    last_error_at     Nullable(DateTime64(3, 'UTC'))
)
ENGINE = MergeTree
ORDER BY (destination, instance, at)
TTL toDateTime(at) + INTERVAL 2 DAY;

// usageMetrics: per time bucket (and optionally per model / environment / user), the counted model calls
// (model-calls.ts) that STARTED in the bucket: requests, tokens, cost, latency p50/p95, errors.
// The traces read are those whose activity overlaps [from, to) on the trace index; the model-call rule
// needs each call's whole trace, so a call's trace is read even if part of it lies outside the range.
import { toClickHouseTime } from "../../../lib/store/span-row.ts";
import type { SqlClient } from "../../../lib/store/types.ts";
import { modelCallsSql } from "./model-calls.ts";
import { badQuery, parseEnum, parseTimeRange } from "./params.ts";
import { toNumber, toStringOrNull, toTime, toUsd } from "./rows.ts";
import type { UsageBucket, UsageGroupBy, UsageMetrics, UsageMetricsParams, UsageRow } from "./types.ts";

const BUCKET_SQL: Record<UsageBucket, string> = {
  minute: "toStartOfMinute(toDateTime(start_time, 'UTC'))",
  hour: "toStartOfHour(toDateTime(start_time, 'UTC'))",
  day: "toStartOfDay(toDateTime(start_time, 'UTC'))",
};
const BUCKET_MS: Record<UsageBucket, number> = { minute: 60_000, hour: 3_600_000, day: 86_400_000 };
/** Range used when `from` is not given, ending at `to` (default: now). */
const DEFAULT_RANGE_MS: Record<UsageBucket, number> = { minute: 3_600_000, hour: 86_400_000, day: 30 * 86_400_000 };
const MAX_BUCKETS = 10_000;

const GROUP_SQL: Record<UsageGroupBy, string> = { model: "model", environment: "environment", user: "user_id" };

const TRACES_OVERLAPPING_RANGE = `trace_id IN (
    SELECT trace_id FROM trace_index
    WHERE project_id = {project_id:String}
    GROUP BY trace_id
    HAVING min(start_time) < {to:DateTime64(6, 'UTC')} AND max(last_time) >= {from:DateTime64(6, 'UTC')})`;

function usageSql(bucket: UsageBucket, groupBy: UsageGroupBy | undefined): string {
  return `
SELECT
    ${BUCKET_SQL[bucket]} AS bucket_start,
    ${groupBy ? GROUP_SQL[groupBy] : "NULL"} AS group_key,
    count() AS requests,
    sum(input_tokens) AS input_tokens,
    sum(output_tokens) AS output_tokens,
    sum(total_tokens) AS total_tokens,
    sum(cost_usd) AS cost_usd,
    quantilesExactInclusiveIf(0.5, 0.95)(duration_ms, duration_ms IS NOT NULL) AS latency_ms,
    sum(is_error) AS errors
FROM (${modelCallsSql(TRACES_OVERLAPPING_RANGE)})
WHERE start_time >= {from:DateTime64(6, 'UTC')} AND start_time < {to:DateTime64(6, 'UTC')}
GROUP BY bucket_start, group_key
ORDER BY bucket_start, group_key`;
}

export async function usageMetrics(sql: SqlClient, projectId: string, params: UsageMetricsParams): Promise<UsageMetrics> {
  const bucket = parseEnum<UsageBucket>("bucket", params.bucket, ["minute", "hour", "day"]) ?? "hour";
  const groupBy = parseEnum<UsageGroupBy>("groupBy", params.groupBy, ["model", "environment", "user"]);
  const range = parseTimeRange(params.from, params.to);
  const to = range.to ?? toClickHouseTime(new Date().toISOString());
  const from = range.from ?? toClickHouseTime(new Date(Date.parse(`${to.replace(" ", "T")}Z`) - DEFAULT_RANGE_MS[bucket]).toISOString());
  const buckets = (Date.parse(`${to.replace(" ", "T")}Z`) - Date.parse(`${from.replace(" ", "T")}Z`)) / BUCKET_MS[bucket];
  if (buckets > MAX_BUCKETS) throw badQuery(`the range spans ${Math.ceil(buckets)} ${bucket} buckets (at most ${MAX_BUCKETS}): narrow it or use a coarser bucket`);
  if (from >= to) throw badQuery("from must be before to");

  const rows = await sql.query(usageSql(bucket, groupBy), { project_id: projectId, from, to });
  return {
    from: toTime(from),
    to: toTime(to),
    bucket,
    group_by: groupBy ?? null,
    data: rows.map((r) => toUsageRow(r, groupBy !== undefined)),
  };
}

function toUsageRow(row: Record<string, unknown>, grouped: boolean): UsageRow {
  const [p50, p95] = (row.latency_ms as Array<number | null> | undefined) ?? [];
  return {
    bucket: `${toTime(row.bucket_start).slice(0, 19)}Z`,
    ...(grouped ? { group: toStringOrNull(row.group_key) } : {}),
    requests: toNumber(row.requests),
    input_tokens: toNumber(row.input_tokens),
    output_tokens: toNumber(row.output_tokens),
    total_tokens: toNumber(row.total_tokens),
    cost_usd: toUsd(row.cost_usd),
    latency_p50_ms: finiteOrNull(p50),
    latency_p95_ms: finiteOrNull(p95),
    errors: toNumber(row.errors),
  };
}

function finiteOrNull(value: unknown): number | null {
  const n = typeof value === "number" ? value : value == null ? Number.NaN : Number(value);
  return Number.isFinite(n) ? Math.round(n * 1000) / 1000 : null;
}

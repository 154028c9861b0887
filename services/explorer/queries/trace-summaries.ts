// Exact trace summaries, computed from `spans FINAL` for a known, small set of traces (a page, a trace,
// a session's traces). The trace index only selects and orders traces; what is shown comes from here,
// so the list and the detail view always agree, and totals follow the model-call rule.
import type { SqlClient } from "../../../lib/store/types.ts";
import { type TraceScope, traceTotalsSql } from "./model-calls.ts";
import { spanMs, toNumber, toStringOrNull, toTime, toTimeOrNull, totalsOf } from "./rows.ts";
import type { TraceStatus, TraceSummary } from "./types.ts";

export const TRACE_IDS_SCOPE: TraceScope = "trace_id IN {trace_ids:Array(String)}";

export function traceSummariesSql(scope: TraceScope): string {
  return `
SELECT
    t.trace_id AS trace_id,
    t.trace_name AS trace_name,
    t.trace_start AS trace_start,
    t.trace_end AS trace_end,
    t.span_count AS span_count,
    t.has_error AS has_error,
    t.has_ok AS has_ok,
    t.trace_session_id AS trace_session_id,
    t.trace_user_id AS trace_user_id,
    t.trace_environment AS trace_environment,
    t.trace_tags AS trace_tags,
    t.trace_models AS trace_models,
    c.input_tokens AS input_tokens,
    c.output_tokens AS output_tokens,
    c.total_tokens AS total_tokens,
    c.cost_usd AS cost_usd
FROM
(
    SELECT
        trace_id,
        argMin(name, (toUInt8(parent_span_id IS NOT NULL), start_time)) AS trace_name,
        min(start_time) AS trace_start,
        max(end_time) AS trace_end,
        count() AS span_count,
        max(toUInt8(status = 'error' OR ifNull(level, '') = 'error')) AS has_error,
        max(toUInt8(status = 'ok')) AS has_ok,
        max(session_id) AS trace_session_id,
        max(user_id) AS trace_user_id,
        max(CAST(environment, 'Nullable(String)')) AS trace_environment,
        arraySort(groupUniqArrayArray(CAST(tags, 'Array(String)'))) AS trace_tags,
        arraySort(groupUniqArrayIf(CAST(assumeNotNull(model), 'String'), model IS NOT NULL)) AS trace_models
    FROM spans FINAL
    WHERE project_id = {project_id:String} AND (${scope})
    GROUP BY trace_id
) AS t
LEFT JOIN (${traceTotalsSql(scope)}) AS c ON t.trace_id = c.trace_id`;
}

const SUMMARIES_BY_ID = traceSummariesSql(TRACE_IDS_SCOPE);

/** Summaries of the given traces of a project, keyed by trace id (unknown ids are absent). */
export async function loadTraceSummaries(sql: SqlClient, projectId: string, traceIds: readonly string[]): Promise<Map<string, TraceSummary>> {
  const summaries = new Map<string, TraceSummary>();
  if (traceIds.length === 0) return summaries;
  const rows = await sql.query(SUMMARIES_BY_ID, { project_id: projectId, trace_ids: [...traceIds] });
  for (const row of rows) summaries.set(String(row.trace_id), toTraceSummary(row));
  return summaries;
}

function toTraceSummary(row: Record<string, unknown>): TraceSummary {
  const start = toTime(row.trace_start);
  const end = toTimeOrNull(row.trace_end);
  return {
    trace_id: String(row.trace_id),
    name: String(row.trace_name),
    start_time: start,
    end_time: end,
    duration_ms: spanMs(start, end),
    span_count: toNumber(row.span_count),
    ...totalsOf(row),
    status: traceStatus(row),
    session_id: toStringOrNull(row.trace_session_id),
    user_id: toStringOrNull(row.trace_user_id),
    tags: (row.trace_tags as string[]) ?? [],
    environment: toStringOrNull(row.trace_environment),
    models: (row.trace_models as string[]) ?? [],
  };
}

function traceStatus(row: Record<string, unknown>): TraceStatus {
  if (toNumber(row.has_error) > 0) return "error";
  return toNumber(row.has_ok) > 0 ? "ok" : "unset";
}

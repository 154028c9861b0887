// listTraces / getTrace. Listing selects and orders traces on `trace_index` (one aggregate row per trace,
// duplicate-safe), then reads the page's exact summaries from spans (trace-summaries.ts). Pagination is
// keyset on (start_time DESC, trace_id DESC) — see cursor.ts.
import { SPAN_COLUMNS, rowToSpan } from "../../../lib/store/span-row.ts";
import type { QueryParams, SqlClient } from "../../../lib/store/types.ts";
import { decodeCursor, encodeCursor } from "./cursor.ts";
import { modelCallsSql } from "./model-calls.ts";
import { parseEnum, parseLimit, parseMinCost, parseTags, parseText, parseTimeRange } from "./params.ts";
import { loadTraceSummaries } from "./trace-summaries.ts";
import type { ListTracesParams, Page, TraceDetail, TraceStatus, TraceSummary } from "./types.ts";

/** One row per trace of the project, finalized from the index's partial aggregates. */
const TRACE_INDEX = `
SELECT
    trace_id,
    min(start_time) AS trace_start,
    argMinMerge(root_name) AS trace_name,
    max(session_id) AS trace_session_id,
    max(user_id) AS trace_user_id,
    max(environment) AS trace_environment,
    groupUniqArrayArray(tags) AS trace_tags,
    groupUniqArrayArray(models) AS trace_models,
    max(has_error) AS trace_has_error,
    max(has_ok) AS trace_has_ok
FROM trace_index
WHERE project_id = {project_id:String}
GROUP BY trace_id`;

/** Each filter: a fixed condition on TRACE_INDEX's columns plus the parameters it binds. */
interface Condition {
  sql: string;
  params: QueryParams;
}

const STATUS_CONDITIONS: Record<TraceStatus, string> = {
  error: "trace_has_error = 1",
  ok: "trace_has_error = 0 AND trace_has_ok = 1",
  unset: "trace_has_error = 0 AND trace_has_ok = 0",
};

export async function listTraces(sql: SqlClient, projectId: string, params: ListTracesParams = {}): Promise<Page<TraceSummary>> {
  const limit = parseLimit(params.limit);
  const conditions = traceConditions(params);
  const where = conditions.map((c) => c.sql).join(" AND ") || "1";
  const bound: QueryParams = Object.assign({ project_id: projectId }, ...conditions.map((c) => c.params));

  // Filtered traces (time, context, status, cursor) straight from the index.
  const candidates = `SELECT trace_id, trace_start FROM (${TRACE_INDEX}) WHERE ${where}`;
  let pageSql = candidates;
  const minCostUsd = parseMinCost(params.minCostUsd);
  if (minCostUsd !== undefined && minCostUsd > 0) {
    // Cost is not in the index (not duplicate-safe): total the candidates' model calls from spans.
    const costly = `
SELECT trace_id FROM (${modelCallsSql(`trace_id IN (SELECT trace_id FROM (${candidates}))`)})
GROUP BY trace_id
HAVING sum(cost_usd) >= {min_cost_usd:Float64}`;
    pageSql = `${candidates} AND trace_id IN (${costly})`;
    bound.min_cost_usd = minCostUsd;
  }
  pageSql += "\nORDER BY trace_start DESC, trace_id DESC\nLIMIT {page_rows:UInt32}";
  bound.page_rows = limit + 1;

  const page = await sql.query<{ trace_id: string; trace_start: string }>(pageSql, bound);
  const shown = page.slice(0, limit);
  const summaries = await loadTraceSummaries(
    sql,
    projectId,
    shown.map((r) => r.trace_id),
  );
  const last = shown[shown.length - 1];
  return {
    data: shown.map((r) => summaries.get(r.trace_id)).filter((s): s is TraceSummary => s !== undefined),
    next_cursor: page.length > limit && last ? encodeCursor({ time: last.trace_start, id: last.trace_id }) : null,
  };
}

function traceConditions(params: ListTracesParams): Condition[] {
  const conditions: Condition[] = [];
  const { from, to } = parseTimeRange(params.from, params.to);
  if (from) conditions.push({ sql: "trace_start >= {from:DateTime64(6, 'UTC')}", params: { from } });
  if (to) conditions.push({ sql: "trace_start < {to:DateTime64(6, 'UTC')}", params: { to } });
  const name = parseText("name", params.name);
  if (name) conditions.push({ sql: "positionCaseInsensitiveUTF8(trace_name, {name:String}) > 0", params: { name } });
  const text = (key: string, column: string, value: unknown, max: number) => {
    const v = parseText(key, value, max);
    if (v) conditions.push({ sql: `${column} = {${column}:String}`, params: { [column]: v } });
  };
  text("sessionId", "trace_session_id", params.sessionId, 800);
  text("userId", "trace_user_id", params.userId, 800);
  text("environment", "trace_environment", params.environment, 200);
  const model = parseText("model", params.model, 200);
  if (model) conditions.push({ sql: "has(trace_models, {model:String})", params: { model } });
  const status = parseEnum<TraceStatus>("status", params.status, ["ok", "error", "unset"]);
  if (status) conditions.push({ sql: STATUS_CONDITIONS[status], params: {} });
  const tags = parseTags(params.tags);
  if (tags) conditions.push({ sql: "hasAll(trace_tags, {tags:Array(String)})", params: { tags } });
  const cursor = decodeCursor(params.cursor);
  if (cursor) {
    conditions.push({
      sql: "(trace_start, trace_id) < ({cursor_time:DateTime64(6, 'UTC')}, {cursor_id:String})",
      params: { cursor_time: cursor.time, cursor_id: cursor.id },
    });
  }
  return conditions;
}

const TRACE_SPANS = `
SELECT ${SPAN_COLUMNS.join(", ")}
FROM spans FINAL
WHERE project_id = {project_id:String} AND trace_id = {trace_id:String}
ORDER BY start_time, span_id`;

/**
 * One trace with every span as a canonical span; null when the project has no such trace.
 * The summary and the span list are two queries; while the trace is still being written they can see
 * different moments (a summary of 1 span beside a list of 4). The pair is re-read until both agree on
 * the span count (a few attempts; a trace under continuous writes returns the last read).
 */
export async function getTrace(sql: SqlClient, projectId: string, traceId: string): Promise<TraceDetail | null> {
  if (typeof traceId !== "string" || traceId.length === 0 || traceId.length > 64) return null;
  for (let attempt = 1; ; attempt++) {
    const [summaries, rows] = await Promise.all([
      loadTraceSummaries(sql, projectId, [traceId]),
      sql.query(TRACE_SPANS, { project_id: projectId, trace_id: traceId }),
    ]);
    const summary = summaries.get(traceId);
    if (!summary) return null;
    if (summary.span_count === rows.length || attempt >= 5) return { ...summary, spans: rows.map(rowToSpan) };
  }
}

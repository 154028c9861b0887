// listSessions / getSession. Sessions are selected and ordered on `session_index` (one aggregate row per
// session: first/last activity, user, the set of its trace ids); totals are the sum of the session's
// traces' totals, computed from spans with the model-call rule — the same numbers getSession shows.
// Pagination is keyset on (start_time DESC, session_id DESC).
import type { QueryParams, SqlClient } from "../../../lib/store/types.ts";
import { decodeCursor, encodeCursor } from "./cursor.ts";
import { traceTotalsSql } from "./model-calls.ts";
import { parseLimit, parseText, parseTimeRange } from "./params.ts";
import { type Totals, ZERO_TOTALS, addTotals, spanMs, toStringOrNull, toTime, totalsOf } from "./rows.ts";
import { TRACE_IDS_SCOPE, loadTraceSummaries } from "./trace-summaries.ts";
import type { ListSessionsParams, Page, SessionDetail, SessionSummary } from "./types.ts";

/** One row per session of the project (optionally one session), finalized from partial aggregates. */
function sessionIndexSql(oneSession: boolean): string {
  return `
SELECT
    session_id,
    min(first_time) AS session_start,
    max(last_time) AS session_last,
    max(user_id) AS session_user_id,
    groupUniqArrayArray(trace_ids) AS session_trace_ids
FROM session_index
WHERE project_id = {project_id:String}${oneSession ? " AND session_id = {session_id:String}" : ""}
GROUP BY session_id`;
}

interface SessionIndexRow {
  session_id: string;
  session_start: string;
  session_last: string;
  session_user_id: string | null;
  session_trace_ids: string[];
}

const TRACE_TOTALS_BY_ID = traceTotalsSql(TRACE_IDS_SCOPE);

export async function listSessions(sql: SqlClient, projectId: string, params: ListSessionsParams = {}): Promise<Page<SessionSummary>> {
  const limit = parseLimit(params.limit);
  const { from, to } = parseTimeRange(params.from, params.to);
  const userId = parseText("userId", params.userId, 800);
  const cursor = decodeCursor(params.cursor);
  const conditions: string[] = [];
  const bound: QueryParams = { project_id: projectId, page_rows: limit + 1 };
  // A session is in [from, to) when its activity overlaps the range.
  if (from) {
    conditions.push("session_last >= {from:DateTime64(6, 'UTC')}");
    bound.from = from;
  }
  if (to) {
    conditions.push("session_start < {to:DateTime64(6, 'UTC')}");
    bound.to = to;
  }
  if (userId) {
    conditions.push("session_user_id = {user_id:String}");
    bound.user_id = userId;
  }
  if (cursor) {
    conditions.push("(session_start, session_id) < ({cursor_time:DateTime64(6, 'UTC')}, {cursor_id:String})");
    bound.cursor_time = cursor.time;
    bound.cursor_id = cursor.id;
  }
  const page = await sql.query<SessionIndexRow>(
    `SELECT * FROM (${sessionIndexSql(false)})
WHERE ${conditions.join(" AND ") || "1"}
ORDER BY session_start DESC, session_id DESC
LIMIT {page_rows:UInt32}`,
    bound,
  );
  const shown = page.slice(0, limit);
  const totals = await loadTraceTotals(
    sql,
    projectId,
    shown.flatMap((s) => s.session_trace_ids),
  );
  const last = shown[shown.length - 1];
  return {
    data: shown.map((s) => toSessionSummary(s, s.session_trace_ids.map((id) => totals.get(id) ?? ZERO_TOTALS).reduce(addTotals, ZERO_TOTALS))),
    next_cursor: page.length > limit && last ? encodeCursor({ time: last.session_start, id: last.session_id }) : null,
  };
}

/** One session with its traces (oldest first); null when the project has no such session. */
export async function getSession(sql: SqlClient, projectId: string, sessionId: string): Promise<SessionDetail | null> {
  if (typeof sessionId !== "string" || sessionId.length === 0 || sessionId.length > 800) return null;
  const [row] = await sql.query<SessionIndexRow>(sessionIndexSql(true), { project_id: projectId, session_id: sessionId });
  if (!row) return null;
  const summaries = await loadTraceSummaries(sql, projectId, row.session_trace_ids);
  const traces = [...summaries.values()].sort((a, b) => a.start_time.localeCompare(b.start_time) || a.trace_id.localeCompare(b.trace_id));
  const totals = traces.reduce<Totals>((sum, t) => addTotals(sum, pickTotals(t)), ZERO_TOTALS);
  return { ...toSessionSummary(row, totals), traces };
}

function pickTotals(t: Totals): Totals {
  return {
    total_input_tokens: t.total_input_tokens,
    total_output_tokens: t.total_output_tokens,
    total_tokens: t.total_tokens,
    total_cost_usd: t.total_cost_usd,
  };
}

async function loadTraceTotals(sql: SqlClient, projectId: string, traceIds: string[]): Promise<Map<string, Totals>> {
  const totals = new Map<string, Totals>();
  if (traceIds.length === 0) return totals;
  const rows = await sql.query(TRACE_TOTALS_BY_ID, { project_id: projectId, trace_ids: [...new Set(traceIds)] });
  for (const row of rows) totals.set(String(row.trace_id), totalsOf(row));
  return totals;
}

function toSessionSummary(row: SessionIndexRow, totals: Totals): SessionSummary {
  const start = toTime(row.session_start);
  const end = toTime(row.session_last);
  return {
    session_id: row.session_id,
    user_id: toStringOrNull(row.session_user_id),
    trace_count: row.session_trace_ids.length,
    start_time: start,
    end_time: end,
    duration_ms: spanMs(start, end) ?? 0,
    ...totals,
  };
}

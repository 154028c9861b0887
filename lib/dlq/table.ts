// The failed-delivery log in the store (`dead_letters`, migration 005): written from the bus topic
// `dlq` (log.ts), read by the deliveries API and replay. State changes are new rows with a higher
// version (ReplacingMergeTree); every read uses FINAL, so a letter is always seen in its latest state.
import { fromClickHouseTime, toClickHouseTime } from "../store/span-row.ts";
import type { QueryParams, SqlClient } from "../store/types.ts";
import type { CanonicalSpan } from "../span/types.ts";
import type { DeadLetterRecord } from "./letter.ts";
import type { LetterRow, LetterStatus } from "./types.ts";

export type { LetterRow, LetterStatus };


export interface LetterFilter {
  project: string;
  destination?: string;
  status?: LetterStatus | "all";
  errorClass?: string;
  /** ClickHouse DateTime64(6) text bounds on dead_lettered_at. */
  from?: string;
  to?: string;
  traceId?: string;
  ids?: string[];
}

/** Epoch ms as the row version: a later state change always wins. */
const versionNow = (now: number) => now * 1000 + Math.floor(Math.random() * 1000);


export async function insertLetters(sql: SqlClient, records: DeadLetterRecord[], retentionMs: number, now = Date.now()): Promise<void> {
  if (records.length === 0) return;
  await sql.insert(
    "dead_letters",
    records.map((r) => ({
      id: r.id,
      project_id: r.project_id,
      destination: r.destination,
      error_class: r.error.class,
      error_code: r.error.code,
      error_message: r.error.message,
      error_status: r.error.status ?? null,
      attempts: r.attempts,
      first_attempt_at: toClickHouseTime(r.first_attempt_at),
      last_attempt_at: toClickHouseTime(r.last_attempt_at),
      dead_lettered_at: toClickHouseTime(r.dead_lettered_at),
      span_count: r.spans.length,
      trace_ids: [...new Set(r.spans.map((s) => s.trace_id))],
      spans: JSON.stringify(r.spans),
      replay_of: r.replay_of,
      status: "failed",
      replayed_at: null,
      replayed_to: null,
      expires_at: toClickHouseTime(new Date(Date.parse(r.dead_lettered_at) + retentionMs).toISOString()).slice(0, 19),
      version: versionNow(now),
    })),
  );
}

function where(f: LetterFilter): { sql: string; params: QueryParams } {
  const conds = ["project_id = {project:String}", "expires_at > now()"];
  const params: QueryParams = { project: f.project };
  const status = f.status ?? "failed";
  // [value, parameter name, condition]; undefined values add nothing.
  const optional: Array<[string | string[] | undefined, string, string]> = [
    [status === "all" ? undefined : status, "status", "status = {status:String}"],
    [f.destination, "destination", "destination = {destination:String}"],
    [f.errorClass, "error_class", "error_class = {error_class:String}"],
    [f.from, "from", "dead_lettered_at >= {from:DateTime64(6, 'UTC')}"],
    [f.to, "to", "dead_lettered_at < {to:DateTime64(6, 'UTC')}"],
    [f.traceId, "trace_id", "has(trace_ids, {trace_id:String})"],
    [f.ids, "ids", "id IN {ids:Array(String)}"],
  ];
  for (const [value, name, cond] of optional) {
    if (value === undefined || value === "") continue;
    conds.push(cond);
    params[name] = value;
  }
  return { sql: conds.join(" AND "), params };
}

const COLUMNS = `id, project_id, destination, error_class, error_code, error_message, error_status, attempts,
  first_attempt_at, last_attempt_at, dead_lettered_at, span_count, trace_ids, replay_of, status, replayed_at,
  replayed_to, expires_at`;

export interface ListOptions {
  limit: number;
  /** Keyset position: rows strictly older than (time, id). */
  before?: { time: string; id: string };
  withSpans?: boolean;
  /** Only the spans' ids (extracted in the engine, the payloads stay there). */
  withSpanIds?: boolean;
}

/** Newest first. */
export async function listLetters(sql: SqlClient, filter: LetterFilter, options: ListOptions): Promise<LetterRow[]> {
  const w = where(filter);
  const params: QueryParams = { ...w.params, limit: options.limit };
  let cond = w.sql;
  if (options.before) {
    cond += " AND (dead_lettered_at, id) < ({before_time:DateTime64(6, 'UTC')}, {before_id:String})";
    params.before_time = options.before.time;
    params.before_id = options.before.id;
  }
  const rows = await sql.query(
    `SELECT ${COLUMNS}${options.withSpans ? ", spans" : ""}${options.withSpanIds ? ", arrayMap(x -> JSONExtractString(x, 'span_id'), JSONExtractArrayRaw(spans)) AS span_ids" : ""}
     FROM dead_letters FINAL WHERE ${cond}
     ORDER BY dead_lettered_at DESC, id DESC LIMIT {limit:UInt32}`,
    params,
  );
  return rows.map(toRow);
}

export async function countLetters(sql: SqlClient, filter: LetterFilter): Promise<{ letters: number; spans: number }> {
  const w = where(filter);
  const [row] = await sql.query<{ letters: unknown; spans: unknown }>(
    `SELECT count() AS letters, sum(span_count) AS spans FROM dead_letters FINAL WHERE ${w.sql}`,
    w.params,
  );
  return { letters: Number(row?.letters ?? 0), spans: Number(row?.spans ?? 0) };
}

/** Records that letters were replayed (to `destination`): the same rows, status replayed, a higher version. */
export async function markReplayed(sql: SqlClient, project: string, ids: string[], destination: string, now = Date.now()): Promise<void> {
  if (ids.length === 0) return;
  const at = toClickHouseTime(new Date(now).toISOString());
  await sql.command(
    `INSERT INTO dead_letters
     SELECT id, project_id, destination, error_class, error_code, error_message, error_status, attempts,
            first_attempt_at, last_attempt_at, dead_lettered_at, span_count, trace_ids, spans, replay_of,
            'replayed', toDateTime64({at:String}, 3, 'UTC'), {to:String}, expires_at, {version:UInt64}
     FROM dead_letters FINAL
     WHERE project_id = {project:String} AND id IN {ids:Array(String)} AND status = 'failed'`,
    { at, to: destination, version: versionNow(now), project, ids },
  );
}

function toRow(r: Record<string, unknown>): LetterRow {
  return {
    id: String(r.id),
    project_id: String(r.project_id),
    destination: String(r.destination),
    error: { class: String(r.error_class), code: String(r.error_code), message: String(r.error_message), status: r.error_status === null ? null : Number(r.error_status) },
    attempts: Number(r.attempts),
    first_attempt_at: fromClickHouseTime(r.first_attempt_at),
    last_attempt_at: fromClickHouseTime(r.last_attempt_at),
    dead_lettered_at: fromClickHouseTime(r.dead_lettered_at),
    span_count: Number(r.span_count),
    trace_ids: r.trace_ids as string[],
    replay_of: r.replay_of as string[],
    status: String(r.status) as LetterStatus,
    replayed_at: r.replayed_at === null || r.replayed_at === undefined ? null : fromClickHouseTime(r.replayed_at),
    replayed_to: r.replayed_to === null || r.replayed_to === undefined ? null : String(r.replayed_to),
    expires_at: fromClickHouseTime(r.expires_at),
    ...(r.spans === undefined ? {} : { spans: JSON.parse(String(r.spans)) as CanonicalSpan[] }),
    ...(r.span_ids === undefined ? {} : { span_ids: r.span_ids as string[] }),
  };
}

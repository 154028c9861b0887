// Canonical span ⇄ `spans` table (lib/store/sql/migrations/001-spans.sql).
//
// Writing: the table's columns ARE the canonical field names, so a span is written as its own JSON line
// (`spanLine`) — and spans that arrive from the bus as JSON are written without being parsed at all
// (lib/store/span-insert.ts carries the JSONEachRow settings that make this work).
// Reading (`rowToSpan`): tuples come back as objects, JSON-ish columns as text that is parsed again,
// times in ClickHouse's `YYYY-MM-DD HH:MM:SS.ffffff` form.
//
// Invariants:
// - rowToSpan(read(spanLine(s))) equals s, except that null/absent optional fields and an empty `tags`
//   array are all read back as ABSENT (the explorer omits nulls consistently);
// - `input`/`output` that are JSON strings whose text is itself valid JSON (e.g. the string "42" or
//   "{\"a\":1}") read back as the parsed value: the column holds raw JSON text for objects and arrays
//   and the plain text for strings, and the two cannot be told apart. Messages, objects, arrays and
//   ordinary text are unaffected.
import type { CanonicalSpan } from "../span/types.ts";
import { toCanonicalTime } from "../span/time.ts";

/** Columns a reader selects to rebuild a span (everything but the bookkeeping columns). */
export const SPAN_COLUMNS = [
  "project_id",
  "trace_id",
  "span_id",
  "parent_span_id",
  "name",
  "kind",
  "start_time",
  "end_time",
  "duration_ms",
  "status",
  "status_message",
  "level",
  "session_id",
  "user_id",
  "tags",
  "environment",
  "release",
  "service_name",
  "model",
  "provider",
  "model_parameters",
  "input",
  "output",
  "usage",
  "cost",
  "stop_reason",
  "first_token_ms",
  "thinking",
  "tool_calls",
  "prompt",
  "attributes",
  "events",
  "source",
] as const;

/** One JSONEachRow line for a span; `version` > 0 marks a fold of pieces (see span-writer.ts). */
export function spanLine(span: CanonicalSpan, version = 0): string {
  return JSON.stringify(version > 0 ? { ...span, _version: version } : span);
}

const JSON_TEXT_FIELDS = ["model_parameters", "input", "output", "tool_calls", "prompt", "attributes", "events"] as const;
const NUMBER_FIELDS = ["duration_ms", "first_token_ms"] as const;
const PLAIN_FIELDS = [
  "trace_id",
  "span_id",
  "parent_span_id",
  "project_id",
  "name",
  "kind",
  "status",
  "status_message",
  "level",
  "session_id",
  "user_id",
  "environment",
  "release",
  "service_name",
  "model",
  "provider",
  "stop_reason",
  "thinking",
] as const;

/** Rebuilds the canonical span from a row selected with SPAN_COLUMNS; nulls are omitted. */
export function rowToSpan(row: Record<string, unknown>): CanonicalSpan {
  const out: Record<string, unknown> = { schema_version: 1 };
  for (const key of PLAIN_FIELDS) if (row[key] != null) out[key] = row[key];
  out.start_time = fromClickHouseTime(row.start_time);
  if (row.end_time != null) out.end_time = fromClickHouseTime(row.end_time);
  for (const key of NUMBER_FIELDS) {
    const n = numberOrNull(row[key]);
    if (n !== null) out[key] = n;
  }
  if (Array.isArray(row.tags) && row.tags.length > 0) out.tags = row.tags;
  for (const key of JSON_TEXT_FIELDS) if (typeof row[key] === "string") out[key] = parseJsonText(row[key] as string);
  const usage = numericObject(row.usage);
  if (usage) out.usage = usage;
  const cost = row.cost as Record<string, unknown> | null;
  if (cost && cost.source != null) {
    const amounts = numericObject({ ...cost, source: null });
    out.cost = { ...amounts, source: cost.source };
  }
  const source = row.source as { format: string; convention: string | null };
  out.source = source.convention == null ? { format: source.format } : { format: source.format, convention: source.convention };
  return out as unknown as CanonicalSpan;
}

/** Tuple object → its non-null members as numbers; null when none is set. */
function numericObject(value: unknown): Record<string, number> | null {
  if (!value || typeof value !== "object") return null;
  const out: Record<string, number> = {};
  for (const [k, v] of Object.entries(value)) {
    const n = numberOrNull(v);
    if (n !== null) out[k] = n;
  }
  return Object.keys(out).length > 0 ? out : null;
}

/** Raw JSON text for objects/arrays/numbers/booleans; plain text for strings (see the invariant above). */
function parseJsonText(text: string): unknown {
  const first = text.charCodeAt(0);
  // Only attempt a parse where JSON can start; ordinary text is returned without a throw/catch.
  if (first === 0x7b || first === 0x5b || first === 0x22 || first === 0x2d || (first >= 0x30 && first <= 0x39) || text === "true" || text === "false" || text === "null") {
    try {
      return JSON.parse(text);
    } catch {
      return text;
    }
  }
  return text;
}

/** ClickHouse JSON gives 64-bit integers as strings or numbers depending on settings; floats as numbers. */
export function numberOrNull(value: unknown): number | null {
  if (value === null || value === undefined || value === "") return null;
  const n = typeof value === "number" ? value : Number(value);
  return Number.isFinite(n) ? n : null;
}

const CANONICAL_TIME = /^(\d{4}-\d{2}-\d{2})T(\d{2}:\d{2}:\d{2}\.\d{6})Z$/;
const CLICKHOUSE_TIME = /^(\d{4}-\d{2}-\d{2}) (\d{2}:\d{2}:\d{2})(?:\.(\d{1,9}))?$/;

/** Canonical (or any ISO 8601) time → the DateTime64(6, 'UTC') text ClickHouse parses in every format. */
export function toClickHouseTime(time: string): string {
  const canonical = CANONICAL_TIME.test(time) ? time : toCanonicalTime(time);
  if (canonical === null) throw new TypeError(`not an ISO 8601 time: ${JSON.stringify(time)}`);
  const m = CANONICAL_TIME.exec(canonical)!;
  return `${m[1]} ${m[2]}`;
}

/** ClickHouse DateTime / DateTime64 JSON text (UTC) → canonical `YYYY-MM-DDTHH:MM:SS.ffffffZ`. */
export function fromClickHouseTime(value: unknown): string {
  const m = typeof value === "string" ? CLICKHOUSE_TIME.exec(value) : null;
  if (!m) throw new TypeError(`unexpected ClickHouse time value: ${JSON.stringify(value)}`);
  return `${m[1]}T${m[2]}.${(m[3] ?? "").padEnd(6, "0").slice(0, 6)}Z`;
}

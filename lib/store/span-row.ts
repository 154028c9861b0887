// Canonical span ⇄ `spans` row (lib/store/sql/migrations/001-spans.sql).
//
// Invariants:
// - rowToSpan(spanToRow(s)) equals s, except that null/absent optional fields and an empty `tags` array
//   are all read back as ABSENT (the explorer omits nulls consistently).
// - JSON-ish fields travel as JSON text; usage and cost are flattened into columns and rebuilt as
//   objects; times are `YYYY-MM-DD HH:MM:SS.ffffff` (UTC) on the ClickHouse side, canonical RFC 3339 here.
import type { CanonicalSpan, Cost, Usage } from "../span/types.ts";
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
  "usage_input_tokens",
  "usage_output_tokens",
  "usage_total_tokens",
  "usage_cache_read_tokens",
  "usage_cache_write_tokens",
  "usage_reasoning_tokens",
  "cost_input_usd",
  "cost_output_usd",
  "cost_total_usd",
  "cost_source",
  "stop_reason",
  "first_token_ms",
  "thinking",
  "tool_calls",
  "prompt",
  "attributes",
  "events",
  "source_format",
  "source_convention",
] as const;

export type SpanRow = Record<(typeof SPAN_COLUMNS)[number], unknown>;

const USAGE_KEYS = ["input_tokens", "output_tokens", "total_tokens", "cache_read_tokens", "cache_write_tokens", "reasoning_tokens"] as const;
const COST_KEYS = ["input_usd", "output_usd", "total_usd"] as const;

export function spanToRow(span: CanonicalSpan, version: number): SpanRow & { schema_version: number; _version: number } {
  const usage = span.usage ?? {};
  const cost = span.cost;
  return {
    project_id: span.project_id,
    trace_id: span.trace_id,
    span_id: span.span_id,
    parent_span_id: span.parent_span_id ?? null,
    name: span.name,
    kind: span.kind,
    start_time: toClickHouseTime(span.start_time),
    end_time: span.end_time ? toClickHouseTime(span.end_time) : null,
    duration_ms: span.duration_ms ?? null,
    status: span.status,
    status_message: span.status_message ?? null,
    level: span.level ?? null,
    session_id: span.session_id ?? null,
    user_id: span.user_id ?? null,
    tags: span.tags ?? [],
    environment: span.environment ?? null,
    release: span.release ?? null,
    service_name: span.service_name ?? null,
    model: span.model ?? null,
    provider: span.provider ?? null,
    model_parameters: jsonText(span.model_parameters),
    input: jsonText(span.input),
    output: jsonText(span.output),
    usage_input_tokens: usage.input_tokens ?? null,
    usage_output_tokens: usage.output_tokens ?? null,
    usage_total_tokens: usage.total_tokens ?? null,
    usage_cache_read_tokens: usage.cache_read_tokens ?? null,
    usage_cache_write_tokens: usage.cache_write_tokens ?? null,
    usage_reasoning_tokens: usage.reasoning_tokens ?? null,
    cost_input_usd: cost?.input_usd ?? null,
    cost_output_usd: cost?.output_usd ?? null,
    cost_total_usd: cost?.total_usd ?? null,
    cost_source: cost?.source ?? null,
    stop_reason: span.stop_reason ?? null,
    first_token_ms: span.first_token_ms ?? null,
    thinking: span.thinking ?? null,
    tool_calls: jsonText(span.tool_calls),
    prompt: jsonText(span.prompt),
    attributes: jsonText(span.attributes),
    events: jsonText(span.events),
    source_format: span.source.format,
    source_convention: span.source.convention ?? null,
    schema_version: span.schema_version,
    _version: version,
  };
}

/** Rebuilds the canonical span from a row selected with SPAN_COLUMNS; nulls are omitted. */
export function rowToSpan(row: Record<string, unknown>): CanonicalSpan {
  const out: Record<string, unknown> = { schema_version: 1 };
  const put = (key: string, value: unknown) => {
    if (value !== null && value !== undefined) out[key] = value;
  };
  put("trace_id", row.trace_id);
  put("span_id", row.span_id);
  put("parent_span_id", row.parent_span_id);
  put("project_id", row.project_id);
  put("name", row.name);
  put("kind", row.kind);
  put("start_time", fromClickHouseTime(row.start_time));
  put("end_time", row.end_time == null ? null : fromClickHouseTime(row.end_time));
  put("duration_ms", numberOrNull(row.duration_ms));
  put("status", row.status);
  put("status_message", row.status_message);
  put("level", row.level);
  put("session_id", row.session_id);
  put("user_id", row.user_id);
  if (Array.isArray(row.tags) && row.tags.length > 0) out.tags = row.tags;
  put("environment", row.environment);
  put("release", row.release);
  put("service_name", row.service_name);
  put("model", row.model);
  put("provider", row.provider);
  put("model_parameters", parseJsonText(row.model_parameters));
  put("input", parseJsonText(row.input));
  put("output", parseJsonText(row.output));
  put("usage", rebuildUsage(row));
  put("cost", rebuildCost(row));
  put("stop_reason", row.stop_reason);
  put("first_token_ms", numberOrNull(row.first_token_ms));
  put("thinking", row.thinking);
  put("tool_calls", parseJsonText(row.tool_calls));
  put("prompt", parseJsonText(row.prompt));
  put("attributes", parseJsonText(row.attributes));
  put("events", parseJsonText(row.events));
  const source: Record<string, unknown> = { format: row.source_format };
  if (row.source_convention != null) source.convention = row.source_convention;
  out.source = source;
  return out as unknown as CanonicalSpan;
}

function rebuildUsage(row: Record<string, unknown>): Usage | null {
  const usage: Record<string, number> = {};
  for (const key of USAGE_KEYS) {
    const v = numberOrNull(row[`usage_${key}`]);
    if (v !== null) usage[key] = v;
  }
  return Object.keys(usage).length > 0 ? usage : null;
}

function rebuildCost(row: Record<string, unknown>): Cost | null {
  if (row.cost_source == null) return null;
  const cost: Record<string, unknown> = {};
  for (const key of COST_KEYS) {
    const v = numberOrNull(row[`cost_${key}`]);
    if (v !== null) cost[key] = v;
  }
  cost.source = row.cost_source;
  return cost as unknown as Cost;
}

function jsonText(value: unknown): string | null {
  return value === undefined || value === null ? null : JSON.stringify(value);
}

function parseJsonText(value: unknown): unknown {
  return typeof value === "string" ? JSON.parse(value) : null;
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

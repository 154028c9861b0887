// Shapes the explorer queries return: plain JSON objects, times as RFC 3339 UTC with microseconds.
import type { CanonicalSpan } from "../../../lib/span/types.ts";

export type TraceStatus = "ok" | "error" | "unset";

export interface TraceSummary {
  trace_id: string;
  /** The root span's name (the span without a parent), else the earliest span's. */
  name: string;
  start_time: string;
  /** Latest end of any span; null while no span has ended. */
  end_time: string | null;
  duration_ms: number | null;
  span_count: number;
  /** Totals over counted model calls only (see model-calls.ts). */
  total_input_tokens: number;
  total_output_tokens: number;
  total_tokens: number;
  total_cost_usd: number;
  /** "error" if any span errored (status or level), else "ok" if any span is ok, else "unset". */
  status: TraceStatus;
  session_id: string | null;
  user_id: string | null;
  tags: string[];
  environment: string | null;
  models: string[];
}

export interface TraceDetail extends TraceSummary {
  /** Every span of the trace as a canonical span (nulls omitted), by start time. */
  spans: CanonicalSpan[];
}

export interface Page<T> {
  data: T[];
  /** Pass back as `cursor` for the next page; null on the last page. */
  next_cursor: string | null;
}

export interface ListTracesParams {
  from?: string;
  to?: string;
  /** Case-insensitive substring of the trace name. */
  name?: string;
  sessionId?: string;
  userId?: string;
  model?: string;
  status?: TraceStatus;
  /** The trace must carry all of them. */
  tags?: string[];
  environment?: string;
  minCostUsd?: number;
  limit?: number;
  cursor?: string;
}

export interface SessionSummary {
  session_id: string;
  user_id: string | null;
  trace_count: number;
  /** First and last activity (earliest span start, latest span end) of the session's spans. */
  start_time: string;
  end_time: string;
  duration_ms: number;
  total_input_tokens: number;
  total_output_tokens: number;
  total_tokens: number;
  total_cost_usd: number;
}

export interface SessionDetail extends SessionSummary {
  /** The session's traces, oldest first. */
  traces: TraceSummary[];
}

export interface ListSessionsParams {
  from?: string;
  to?: string;
  userId?: string;
  limit?: number;
  cursor?: string;
}

export type UsageBucket = "minute" | "hour" | "day";
export type UsageGroupBy = "model" | "environment" | "user";

export interface UsageMetricsParams {
  from?: string;
  to?: string;
  bucket: UsageBucket;
  groupBy?: UsageGroupBy;
}

export interface UsageRow {
  /** Start of the bucket, RFC 3339 UTC. */
  bucket: string;
  /** The model / environment / user id of the group (null: not set); absent without groupBy. */
  group?: string | null;
  /** Counted model calls (see model-calls.ts) that started in the bucket. */
  requests: number;
  input_tokens: number;
  output_tokens: number;
  total_tokens: number;
  cost_usd: number;
  /** Quantiles (linear interpolation) of the calls' duration; null when no call has a duration. */
  latency_p50_ms: number | null;
  latency_p95_ms: number | null;
  errors: number;
}

export interface UsageMetrics {
  from: string;
  to: string;
  bucket: UsageBucket;
  group_by: UsageGroupBy | null;
  data: UsageRow[];
}

/** GET {prefix}/destinations (services/explorer/destinations.ts). */
export interface DestinationStatus {
  name: string;
  type: string;
  /** healthy · degraded (half-open breaker, or failures in the last minute) · down (breaker open) · unknown (no deliver process reporting) */
  health: "healthy" | "degraded" | "down" | "unknown";
  breaker: "closed" | "half_open" | "open" | null;
  instances: number;
  delivered: number;
  failed: number;
  retried: number;
  dead_lettered: number;
  /** Spans in the caller's project's dead letters still waiting for replay. */
  dead_letters_open: number;
  /** The same, counted in letters. */
  dead_letters_open_letters: number;
  pending: number;
  lag: number | null;
  p95_ms: number | null;
  last_error: { message: string; at: string } | null;
  last_heartbeat_at: string | null;
  /** Spans delivered per minute over the last hour, oldest first (60 values). */
  throughput: number[];
}

/** GET {prefix}/traces/:id/deliveries (services/explorer/span-deliveries.ts). */
export type SpanDeliveryStatus = "delivered" | "pending" | "dead_lettered" | "not_routed" | "dropped";

export interface SpanDelivery {
  destination: string;
  status: SpanDeliveryStatus;
  /** The latest dead letter holding this span for this destination (failed or replayed). */
  letter?: { id: string; status: "failed" | "replayed"; error: string; dead_lettered_at: string; replayed_at: string | null };
}

export interface TraceDeliveries {
  /** Whether routing was judged with the live rules of this process (false: it does not run the router; every destination assumed). */
  rules_known: boolean;
  spans: Record<string, SpanDelivery[]>;
}

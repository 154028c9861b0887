// Destination status for GET /api/v1/destinations: the deliver processes' heartbeats (bus topic
// `status`, services/deliver/status.ts) copied into the store by this role, plus each destination's
// open dead letters. A destination with no heartbeat in the last STALE_MS is reported `unknown`
// (no deliver process runs it, or it is down).
import { type Bus, type Consumer, TOPICS } from "../../lib/bus/types.ts";
import type { SqlClient } from "../../lib/store/types.ts";
import { fromClickHouseTime, toClickHouseTime } from "../../lib/store/span-row.ts";
import type { Logger } from "../../lib/telemetry/logger.ts";
import type { Heartbeat } from "../deliver/status.ts";
import type { DestinationStatus } from "./queries/types.ts";

export type { DestinationStatus };

export const STATUS_LOG_GROUP = "status.store";
const STALE_MS = 60_000;
const SPARK_MINUTES = 60;

export async function startStatusLog(bus: Bus, sql: SqlClient, logger: Logger): Promise<Consumer> {
  await bus.ensureTopics([{ name: TOPICS.status }]);
  return bus.consume({
    group: STATUS_LOG_GROUP,
    topics: [TOPICS.status],
    maxBatch: 1000,
    handler: async (batch) => {
      const rows: Record<string, unknown>[] = [];
      for (const r of batch) {
        try {
          const h = JSON.parse(r.value.toString("utf8")) as Heartbeat;
          rows.push({
            ...h,
            at: toClickHouseTime(h.at),
            started_at: toClickHouseTime(h.started_at),
            last_error_at: h.last_error_at === null ? null : toClickHouseTime(h.last_error_at),
          });
        } catch {
          logger.warn({ offset: r.offset }, "unreadable status heartbeat; skipped");
        }
      }
      if (rows.length) await sql.insert("destination_heartbeats", rows);
    },
  });
}

const BREAKER_RANK = { closed: 0, half_open: 1, open: 2 } as const;

export async function destinationsStatus(sql: SqlClient, configured: Record<string, { type: string }>, project: string, now = Date.now()): Promise<DestinationStatus[]> {
  const since = toClickHouseTime(new Date(now - SPARK_MINUTES * 60_000).toISOString());
  const latest = await sql.query<Record<string, unknown>>(
    `SELECT destination, instance, argMax(breaker, at) AS breaker, max(at) AS last_at, argMax(delivered, at) AS delivered,
            argMax(failed, at) AS failed, argMax(retried, at) AS retried, argMax(dead_lettered, at) AS dead_lettered,
            argMax(pending, at) AS pending, argMax(lag, at) AS lag, argMax(p95_ms, at) AS p95_ms,
            argMax(last_error, at) AS last_error, argMax(last_error_at, at) AS last_error_at
     FROM destination_heartbeats WHERE at >= {since:DateTime64(6, 'UTC')}
     GROUP BY destination, instance`,
    { since },
  );
  const perMinute = await sql.query<Record<string, unknown>>(
    `SELECT destination, instance, toStartOfMinute(at) AS minute, max(delivered) AS delivered, min(started_at) AS started_at
     FROM destination_heartbeats WHERE at >= {since:DateTime64(6, 'UTC')}
     GROUP BY destination, instance, minute ORDER BY destination, instance, minute`,
    { since },
  );
  const open = await sql.query<Record<string, unknown>>(
    "SELECT destination, count() AS letters, sum(span_count) AS spans FROM dead_letters FINAL WHERE project_id = {project:String} AND status = 'failed' AND expires_at > now() GROUP BY destination",
    { project },
  );
  const openBy = new Map(open.map((r) => [String(r.destination), { spans: Number(r.spans), letters: Number(r.letters) }]));
  const chMs = (v: unknown) => Date.parse(fromClickHouseTime(v));

  return Object.entries(configured).map(([name, { type }]) => {
    const live = latest.filter((r) => r.destination === name && now - chMs(r.last_at) <= STALE_MS);
    const sum = (k: string) => live.reduce((s, r) => s + Number(r[k] ?? 0), 0);
    const breaker = live.length
      ? (live.map((r) => String(r.breaker) as keyof typeof BREAKER_RANK).sort((a, b) => BREAKER_RANK[b] - BREAKER_RANK[a])[0] ?? "closed")
      : null;
    const errors = live.filter((r) => r.last_error !== null).sort((a, b) => chMs(b.last_error_at) - chMs(a.last_error_at));
    const lastError = errors[0] ? { message: String(errors[0].last_error), at: new Date(chMs(errors[0].last_error_at)).toISOString() } : null;
    const lags = live.map((r) => Number(r.lag));
    const p95s = live.map((r) => r.p95_ms).filter((v) => v !== null && v !== undefined).map(Number);
    const recentFailure = lastError !== null && now - Date.parse(lastError.at) < 60_000;
    const health: DestinationStatus["health"] =
      breaker === null ? "unknown" : breaker === "open" ? "down" : breaker === "half_open" || recentFailure ? "degraded" : "healthy";
    return {
      name,
      type,
      health,
      breaker,
      instances: live.length,
      delivered: sum("delivered"),
      failed: sum("failed"),
      retried: sum("retried"),
      dead_lettered: sum("dead_lettered"),
      dead_letters_open: openBy.get(name)?.spans ?? 0,
      dead_letters_open_letters: openBy.get(name)?.letters ?? 0,
      pending: sum("pending"),
      lag: lags.length && lags.every((l) => l >= 0) ? lags.reduce((a, b) => a + b, 0) : null,
      p95_ms: p95s.length ? Math.max(...p95s) : null,
      last_error: lastError,
      last_heartbeat_at: live.length ? new Date(Math.max(...live.map((r) => chMs(r.last_at)))).toISOString() : null,
      throughput: sparkline(perMinute.filter((r) => r.destination === name), now, chMs),
    };
  });
}

/** Per-minute delivered counts from per-instance running totals (a restart resets a total: count from 0). */
function sparkline(rows: Record<string, unknown>[], now: number, chMs: (v: unknown) => number): number[] {
  const firstMinute = Math.floor(now / 60_000) - SPARK_MINUTES + 1;
  const out = new Array<number>(SPARK_MINUTES).fill(0);
  const prev = new Map<string, number>();
  for (const r of rows) {
    const instance = String(r.instance);
    const total = Number(r.delivered);
    // An instance that started inside the window counted from 0; one seen mid-life has no baseline
    // for its first minute in the window.
    const startedInWindow = chMs(r.started_at) >= (firstMinute - 1) * 60_000;
    const before = prev.get(instance) ?? (startedInWindow ? 0 : undefined);
    prev.set(instance, total);
    if (before === undefined) continue;
    const i = Math.floor(chMs(r.minute) / 60_000) - firstMinute;
    if (i >= 0 && i < SPARK_MINUTES) out[i] += total >= before ? total - before : total;
  }
  return out;
}

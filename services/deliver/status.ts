// Status heartbeats: every `intervalMs` (and at once when a breaker changes state) each deliver process
// publishes one record per destination it runs to the bus topic `status`: breaker state, totals since
// the process started, pending spans, p95 latency, the consumer group's lag, the last error. The
// explorer role copies them into the store (services/explorer/destinations.ts) for GET
// /api/v1/destinations and the UI's dashboard, whichever process runs which destination.
import { hostname } from "node:os";
import { type Bus, TOPICS } from "../../lib/bus/types.ts";
import type { Logger } from "../../lib/telemetry/logger.ts";
import type { DeliveryTarget } from "./index.ts";

export interface Heartbeat {
  destination: string;
  type: string;
  instance: string;
  at: string;
  started_at: string;
  breaker: string;
  delivered: number;
  failed: number;
  retried: number;
  dead_lettered: number;
  pending: number;
  lag: number;
  p95_ms: number | null;
  last_error: string | null;
  last_error_at: string | null;
}

export const INSTANCE_ID = `${hostname()}:${process.pid}`;

export function startHeartbeats(bus: Bus, targets: DeliveryTarget[], intervalMs: number, logger: Logger): { stop(): Promise<void>; beat(): Promise<void> } {
  const startedAt = new Date().toISOString();
  let running: Promise<void> = Promise.resolve();
  const beat = async () => {
    const at = new Date().toISOString();
    const records = await Promise.all(
      targets.map(async (t): Promise<Heartbeat> => {
        const s = t.stats();
        const lag = await bus.lag(`deliver.${t.name}`, [TOPICS.deliver(t.name)]).then(
          (parts) => parts.reduce((sum, p) => sum + p.lag, 0),
          () => -1, // unknown (the bus could not say): shown as such, never as 0
        );
        return {
          destination: t.name,
          type: t.type,
          instance: INSTANCE_ID,
          at,
          started_at: startedAt,
          breaker: s.breaker ?? "closed",
          delivered: s.delivered ?? 0,
          failed: s.failedRequests ?? 0,
          retried: s.retried ?? 0,
          dead_lettered: s.deadLettered ?? 0,
          pending: s.pendingSpans ?? 0,
          lag,
          p95_ms: s.p95Ms ?? null,
          last_error: s.lastError?.message ?? null,
          last_error_at: s.lastError?.at ?? null,
        };
      }),
    );
    await bus.produce(
      TOPICS.status,
      records.map((r) => ({ key: r.destination, value: JSON.stringify(r) })),
    );
  };
  // One beat at a time; a failed beat is logged, the next one tries again.
  const tick = () => {
    running = running.then(beat).catch((err) => logger.warn({ err }, "status heartbeat not published"));
    return running;
  };
  const timer = setInterval(tick, intervalMs);
  timer.unref();
  void tick();
  return {
    beat: tick,
    stop: async () => {
      clearInterval(timer);
      await tick(); // the final state (e.g. breaker) is reported before the process goes
    },
  };
}

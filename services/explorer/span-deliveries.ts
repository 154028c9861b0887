// Delivery status per span and destination, for the trace view: GET {prefix}/traces/:id/deliveries.
// tracerelay keeps no receipt per span and destination (that would be a write per span per vendor), so
// the status is derived from what IS recorded:
//   dead_lettered  the span is in a failed dead letter for that destination (with the vendor's reason)
//   not_routed     the current rules do not send it there (or sampled it out: `dropped`)
//   delivered      routed there, not dead-lettered, and the destination has caught up: its deliver
//                  processes report no lag and nothing pending (replayed spans included)
//   pending        routed there, not dead-lettered, but the destination is behind (lag, retries, an open
//                  breaker) or no deliver process reports it: it may still be on its way
// With rules changed since the span passed, `not_routed` describes today's rules; say so in the UI.
import type { CompiledRules } from "../../rules/types.ts";
import { dryRun } from "../../rules/dry-run.ts";
import { listLetters } from "../../lib/dlq/table.ts";
import type { CanonicalSpan } from "../../lib/span/types.ts";
import type { SqlClient } from "../../lib/store/types.ts";
import type { DestinationStatus, SpanDelivery, SpanDeliveryStatus, TraceDeliveries } from "./queries/types.ts";

export async function traceDeliveries(
  sql: SqlClient,
  project: string,
  traceId: string,
  spans: readonly CanonicalSpan[],
  status: readonly DestinationStatus[],
  rules: CompiledRules | null | undefined,
): Promise<TraceDeliveries> {
  const letters = await listLetters(sql, { project, traceId, status: "all" }, { limit: 1000, withSpanIds: true });
  // newest first: the first letter seen for (span, destination) is the latest
  const latest = new Map<string, (typeof letters)[number]>();
  for (const letter of letters) {
    for (const spanId of letter.span_ids ?? []) {
      const key = `${spanId}\u0000${letter.destination}`;
      if (!latest.has(key)) latest.set(key, letter);
    }
  }
  const routing = rules ? new Map(dryRun(rules, spans.map((span) => ({ span }))).map((r) => [r.span_id, r])) : undefined;
  const caughtUp = new Map(status.map((d) => [d.name, d.instances > 0 && d.lag === 0 && d.pending === 0]));
  const out: Record<string, SpanDelivery[]> = {};
  for (const span of spans) {
    const decision = routing?.get(span.span_id);
    out[span.span_id] = status.map(({ name }) => {
      const letter = latest.get(`${span.span_id}\u0000${name}`);
      const summary = letter
        ? { id: letter.id, status: letter.status, error: letter.error.message, dead_lettered_at: letter.dead_lettered_at, replayed_at: letter.replayed_at }
        : undefined;
      let st: SpanDeliveryStatus;
      if (letter?.status === "failed") st = "dead_lettered";
      else if (decision && !decision.kept) st = "dropped";
      else if (decision && !(name in decision.destinations)) st = "not_routed";
      else st = caughtUp.get(name) ? "delivered" : "pending";
      return { destination: name, status: st, ...(summary ? { letter: summary } : {}) };
    });
  }
  // null = this process routes with no rules (every destination gets every span); undefined = unknown
  return { rules_known: rules !== undefined, spans: out };
}

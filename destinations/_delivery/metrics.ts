// The same prom-client metrics for every destination, labelled `destination`. Metrics are created once
// per registry and shared by all destinations on it (a second destination re-uses, never re-registers).
// Breaker state gauge: 0 closed, 1 half-open, 2 open.
import { Counter, Gauge, Histogram, type Registry } from "prom-client";

export const BREAKER_STATE_VALUE = { closed: 0, half_open: 1, open: 2 } as const;

function build(registry: Registry) {
  const registers = [registry];
  return {
    delivered: new Counter({ name: "tracerelay_delivery_spans_delivered_total", help: "Spans the destination accepted.", labelNames: ["destination"] as const, registers }),
    failed: new Counter({ name: "tracerelay_delivery_requests_failed_total", help: "Failed delivery requests, by error class (transient | permanent) and stable code.", labelNames: ["destination", "class", "code"] as const, registers }),
    retried: new Counter({ name: "tracerelay_delivery_retries_total", help: "Retries scheduled after a transient failure or an open breaker.", labelNames: ["destination"] as const, registers }),
    deadLettered: new Counter({ name: "tracerelay_delivery_spans_dead_lettered_total", help: "Spans handed to the dead-letter queue, by error class (permanent | transient | mapping).", labelNames: ["destination", "class"] as const, registers }),
    batchSpans: new Histogram({ name: "tracerelay_delivery_batch_spans", help: "Spans per delivery request.", labelNames: ["destination"] as const, buckets: [1, 10, 50, 100, 250, 500, 1000, 5000], registers }),
    requestSeconds: new Histogram({ name: "tracerelay_delivery_request_seconds", help: "Latency of one delivery request (any outcome).", labelNames: ["destination"] as const, buckets: [0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30], registers }),
    breakerState: new Gauge({ name: "tracerelay_delivery_breaker_state", help: "Circuit breaker state: 0 closed, 1 half-open, 2 open.", labelNames: ["destination"] as const, registers }),
    pendingSpans: new Gauge({ name: "tracerelay_delivery_pending_spans", help: "Spans held by the helper (batching, in flight or waiting to retry); bounded by what the bus consumer hands over.", labelNames: ["destination"] as const, registers }),
  };
}

export type DeliveryMetrics = ReturnType<typeof build>;

const byRegistry = new WeakMap<Registry, DeliveryMetrics>();

export function deliveryMetrics(registry: Registry): DeliveryMetrics {
  let m = byRegistry.get(registry);
  if (!m) {
    m = build(registry);
    byRegistry.set(registry, m);
  }
  return m;
}

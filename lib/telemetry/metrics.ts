// prom-client metrics shared by every role. One registry per process (`createMetrics`), so tests can
// build several apps without "metric already registered" clashes.
import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from "prom-client";

export interface LagReading {
  group: string;
  topic: string;
  lag: number;
}

export function createMetrics() {
  const registry = new Registry();
  // Bus lag is read from the bus when Prometheus scrapes, so it is never stale.
  let lagSource: (() => Promise<LagReading[]>) | undefined;
  collectDefaultMetrics({ register: registry, prefix: "tracerelay_process_" });
  return {
    registry,
    spansReceived: new Counter({
      name: "tracerelay_spans_received_total",
      help: "Spans received at the ingest edge, by source format and outcome (accepted | rejected).",
      labelNames: ["source", "outcome"] as const,
      registers: [registry],
    }),
    ingestRequests: new Counter({
      name: "tracerelay_ingest_requests_total",
      help: "Ingest HTTP requests by route and status code.",
      labelNames: ["route", "status"] as const,
      registers: [registry],
    }),
    ackLatency: new Histogram({
      name: "tracerelay_ingest_ack_seconds",
      help: "Time from request received to acknowledgement (spans durable on the bus).",
      labelNames: ["route"] as const,
      buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
      registers: [registry],
    }),
    busLag: new Gauge({
      name: "tracerelay_bus_lag_records",
      help: "Records on the bus not yet committed by a consumer group (read at scrape time).",
      labelNames: ["group", "topic"] as const,
      registers: [registry],
      async collect() {
        if (!lagSource) return;
        this.reset();
        for (const r of await lagSource()) this.set({ group: r.group, topic: r.topic }, r.lag);
      },
    }),
    /** Sets where bus lag comes from (the roles that consume know their groups). */
    setLagSource(source: () => Promise<LagReading[]>): void {
      lagSource = source;
    },
    storeInsertSeconds: new Histogram({
      name: "tracerelay_store_insert_seconds",
      help: "Latency of one store insert (a batch of spans).",
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
      registers: [registry],
    }),
    storeSpansWritten: new Counter({
      name: "tracerelay_store_spans_written_total",
      help: "Spans written to the store (pieces of one span count once per write).",
      registers: [registry],
    }),
  };
}

export type Metrics = ReturnType<typeof createMetrics>;

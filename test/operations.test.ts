// What orchestrators and Prometheus see: liveness, readiness, and the metrics the issue names —
// spans received by source and outcome, store insert latency, bus lag per consumer group.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { otlpRequest, otlpSpan } from "./harness/otlp.ts";
import { newSpanId, newTraceId, startTracerelay, type Tracerelay } from "./harness/tracerelay.ts";

let tr: Tracerelay;
beforeAll(async () => {
  tr = await startTracerelay();
});
afterAll(async () => {
  await tr?.close();
});

function metric(text: string, name: string, labels = ""): number {
  const line = text.split("\n").find((l) => l.startsWith(`${name}${labels ? `{${labels}}` : ""} `) || (labels === "" && l.startsWith(`${name} `)));
  return line ? Number(line.split(" ").at(-1)) : Number.NaN;
}

describe("operations", () => {
  it("health endpoints answer without credentials", async () => {
    expect((await fetch(`${tr.url}/health/live`)).status).toBe(200);
    const ready = await fetch(`${tr.url}/health/ready`);
    expect({ status: ready.status, body: await ready.json() }).toEqual({ status: 200, body: { status: "ready" } });
  });

  it("/metrics counts accepted and rejected spans by source, store inserts, and bus lag per group", async () => {
    const traceId = newTraceId();
    const good = Array.from({ length: 7 }, () => otlpSpan({ traceId, spanId: newSpanId(), name: "ok" }));
    const bad = otlpSpan({ traceId: "0".repeat(32), spanId: newSpanId(), name: "bad" });
    const res = await tr.api("/v1/traces", { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(otlpRequest([...good, bad])) });
    expect(res.status).toBe(200);
    await tr.waitForTrace(traceId, { spans: 7 });
    const text = await (await fetch(`${tr.url}/metrics`)).text();
    expect(metric(text, "tracerelay_spans_received_total", 'source="otlp",outcome="accepted"')).toBe(7);
    expect(metric(text, "tracerelay_spans_received_total", 'source="otlp",outcome="rejected"')).toBe(1);
    expect(metric(text, "tracerelay_store_insert_seconds_count")).toBeGreaterThanOrEqual(1);
    expect(metric(text, "tracerelay_store_spans_written_total")).toBe(7);
    expect(metric(text, "tracerelay_bus_lag_records", 'group="deliver.store",topic="deliver.store"')).toBe(0);
    expect(metric(text, "tracerelay_bus_lag_records", 'group="router",topic="spans"')).toBe(0);
    expect(metric(text, "tracerelay_ingest_ack_seconds_count", 'route="otlp"')).toBe(1);
  });
});

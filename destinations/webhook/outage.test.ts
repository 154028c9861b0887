// Outage acceptance test (issue 5), on fake time. Two webhook destinations fed from their own simulated
// bus topics while 5 spans/s flow for 11 minutes. "down" answers 503 for 2 minutes, then refuses
// connections until minute 10, then recovers; "up" stays healthy. Expect: down's breaker opens; up keeps
// delivering at full rate (its lag stays small); down's spans wait on the bus (the helper holds at most
// one consumer batch); after recovery every span arrives at down exactly once; nothing is dead-lettered.
import { Registry } from "prom-client";
import { afterEach, beforeEach, expect, it, vi } from "vitest";
import type { CanonicalSpan } from "../../lib/span/types.ts";
import { type BreakerState, createDelivery, type Delivery, InMemoryDeadLetterSink, resolveDeliveryOptions } from "../_delivery/index.ts";
import { spans } from "../_testkit/compliance.ts";
import { type ContractServer, startContractServer } from "../_testkit/contract-server.ts";
import { drive, FAKE_TIMERS } from "../_testkit/drive.ts";
import { webhookAdapter } from "./index.ts";

const SECRET = "whsec_outage_test_secret";
const MAX_BATCH = 200; // the bus consumer's maxBatch

/** A bus topic and its consumer: deliver() up to MAX_BATCH records, commit the offset only after it resolves. */
function consumer(topic: CanonicalSpan[], delivery: Delivery) {
  const state = { offset: 0, stopped: false, error: undefined as unknown };
  void (async () => {
    while (!state.stopped) {
      const batch = topic.slice(state.offset, state.offset + MAX_BATCH);
      if (batch.length === 0) {
        await new Promise((r) => setTimeout(r, 100)); // poll interval (fake time)
        continue;
      }
      try {
        await delivery.deliver(batch);
        state.offset += batch.length; // commit
      } catch (err) {
        state.error = err;
        return;
      }
    }
  })();
  return state;
}

let servers: ContractServer[] = [];
beforeEach(() => {
  vi.useFakeTimers(FAKE_TIMERS);
});
afterEach(async () => {
  vi.useRealTimers();
  await Promise.all(servers.map((s) => s.close()));
  servers = [];
});

it("503 then refused connections for 10 simulated minutes: breaker opens, the other destination keeps up, every span arrives once", async () => {
  const down = await startContractServer();
  const up = await startContractServer();
  servers = [down, up];
  down.setFallback({ status: 503, body: "service unavailable" });

  const registry = new Registry();
  const dlq = new InMemoryDeadLetterSink();
  const options = resolveDeliveryOptions({ batch: { max_spans: 100, max_wait_ms: 500 } });
  const mk = (name: string, server: ContractServer) =>
    createDelivery(webhookAdapter(name, { url: server.url, secret: SECRET, headers: {} }), options, { registry, deadLetters: dlq });
  const dDown = mk("down", down);
  const dUp = mk("up", up);
  const states: BreakerState[] = [];
  dDown.onBreakerChange((s) => states.push(s));

  // Producer: 5 spans a second onto both topics for 11 minutes.
  const topicDown: CanonicalSpan[] = [];
  const topicUp: CanonicalSpan[] = [];
  let seconds = 0;
  const producer = setInterval(() => {
    const batch = spans(5);
    topicDown.push(...batch);
    topicUp.push(...batch);
    if (++seconds >= 660) clearInterval(producer);
  }, 1000);
  const cDown = consumer(topicDown, dDown);
  const cUp = consumer(topicUp, dUp);

  let maxUpLag = 0;
  let maxHeld = 0;
  const t0 = Date.now();
  let phase = 0;
  await drive(
    [dDown, dUp],
    [down, up],
    () => {
      const t = Date.now() - t0;
      maxUpLag = Math.max(maxUpLag, topicUp.length - cUp.offset);
      maxHeld = Math.max(maxHeld, dDown.stats().pendingSpans);
      // Phase changes are started here and awaited by the next drive steps (refuse/accept are quick).
      if (phase === 0 && t >= 120_000) {
        phase = 1;
        void down.refuse();
      }
      if (phase === 1 && t >= 600_000) {
        phase = 2;
        down.setFallback({ status: 200, body: "ok" });
        void down.accept();
      }
      return seconds >= 660 && cDown.offset === topicDown.length && cUp.offset === topicUp.length;
    },
    { maxSimMs: 30 * 60_000, stepMs: 200, realBudgetMs: 60_000 },
  );

  expect(cDown.error).toBeUndefined();
  expect(cUp.error).toBeUndefined();
  expect(states).toContain("open");
  expect(dDown.breakerState()).toBe("closed");
  expect(dlq.letters).toEqual([]);

  const produced = topicDown.map((s) => s.span_id).sort();
  expect(produced).toHaveLength(3300);
  const acceptedIds = (server: ContractServer) =>
    server.requests.filter((r) => r.status === 200).flatMap((r) => (JSON.parse(r.body.toString()) as { spans: CanonicalSpan[] }).spans.map((s) => s.span_id));
  // Exactly once: no id twice among the requests the receiver accepted, and none missing.
  expect(acceptedIds(down).sort()).toEqual(produced);
  expect(acceptedIds(up).sort()).toEqual(produced);

  // The healthy destination never fell behind by more than ~2 s of traffic.
  expect(maxUpLag).toBeLessThanOrEqual(15);
  // The broken one held at most one consumer batch in memory; the rest waited on the bus.
  expect(maxHeld).toBeLessThanOrEqual(MAX_BATCH);
  expect(down.requests.some((r) => r.status === 503)).toBe(true);
  const failed = (await registry.getSingleMetric("tracerelay_delivery_requests_failed_total")?.get())?.values ?? [];
  expect(failed.some((v) => v.labels.destination === "down" && v.labels.code === "TR_DELIVERY_NETWORK" && v.value > 0)).toBe(true);
  // Spans waited during the outage: the first delivery at "down" after recovery is ≥ 10 minutes in.
  expect(down.requests.find((r) => r.status === 200)!.at - t0).toBeGreaterThanOrEqual(600_000);

  cDown.stopped = true;
  cUp.stopped = true;
  await Promise.all([dDown.close({ graceMs: 0 }), dUp.close({ graceMs: 0 })]);
}, 120_000);

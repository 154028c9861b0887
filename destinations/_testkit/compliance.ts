// The destination compliance suite: every destination calls `destinationComplianceSuite` from its
// tests with a factory that builds its adapter against a fresh contract server. It checks the helper's
// promises THROUGH the destination's own mapper and client: lifecycle, batching (count / bytes /
// time), retryable vs permanent, Retry-After, breaker closed → open → half-open → closed, per-request
// timeout, idempotent redelivery, dead-letter hand-off with the vendor's message, shutdown.
// All on fake time (drive.ts); no test sleeps.
import { Registry } from "prom-client";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import type { CanonicalSpan } from "../../lib/span/types.ts";
import { makeSpan } from "../../lib/store/testing.ts";
import {
  type BreakerState,
  createDelivery,
  type DeliveryConfig,
  type Delivery,
  type DestinationAdapter,
  InMemoryDeadLetterSink,
  resolveDeliveryOptions,
} from "../_delivery/index.ts";
import { type ContractServer, type ReceivedRequest, startContractServer } from "./contract-server.ts";
import { advance, drive, FAKE_TIMERS, track } from "./drive.ts";

export interface DecodedRequest {
  /** span_id of every span the request carried. */
  spanIds: string[];
  idempotencyKey?: string;
}

export interface ComplianceFixture<R = unknown> {
  adapter: DestinationAdapter<R>;
  /** Reads one request the contract server received (and may assert on it, e.g. a signature). */
  decode(req: ReceivedRequest): DecodedRequest;
  close?(): Promise<void>;
}

/** Builds the destination's adapter pointing at `server.url`. Called once per test. */
export type MakeFixture<R = unknown> = (server: ContractServer) => Promise<ComplianceFixture<R>> | ComplianceFixture<R>;

let spanSeq = 0;
/** Spans with unique ids across the suite. */
export function spans(n: number, attrs: Partial<CanonicalSpan> = {}): CanonicalSpan[] {
  return Array.from({ length: n }, () => {
    spanSeq++;
    return makeSpan({ trace_id: spanSeq.toString(16).padStart(32, "0"), span_id: spanSeq.toString(16).padStart(16, "0"), project_id: "compliance", name: `span-${spanSeq}`, ...attrs });
  });
}

const ids = (s: CanonicalSpan[]) => s.map((x) => x.span_id);

export function destinationComplianceSuite<R>(name: string, makeFixture: MakeFixture<R>): void {
  describe(`${name}: destination compliance`, () => {
    let server: ContractServer;
    let fixture: ComplianceFixture<R>;
    let dlq: InMemoryDeadLetterSink;
    let registry: Registry;
    let delivery: Delivery | undefined;
    let states: BreakerState[];

    beforeEach(async () => {
      vi.useFakeTimers(FAKE_TIMERS);
      server = await startContractServer();
      fixture = await makeFixture(server);
      dlq = new InMemoryDeadLetterSink();
      registry = new Registry();
      states = [];
    });

    afterEach(async () => {
      if (delivery) {
        const closing = track(delivery.close({ graceMs: 0 }));
        await drive(delivery, server, () => closing.done).catch(() => {});
      }
      delivery = undefined;
      vi.useRealTimers();
      await fixture.close?.();
      await server.close();
    });

    const start = (config: DeliveryConfig = {}): Delivery => {
      // Deterministic jitter: half of the cap.
      delivery = createDelivery(fixture.adapter, resolveDeliveryOptions({ batch: { max_wait_ms: 100 }, ...config }), { registry, deadLetters: dlq, random: () => 0.5 });
      delivery.onBreakerChange((s) => states.push(s));
      return delivery;
    };
    const decoded = () => server.requests.map((r) => fixture.decode(r));
    const accepted = () => server.requests.filter((r) => r.status >= 200 && r.status < 300).flatMap((r) => fixture.decode(r).spanIds);
    const metric = async (metricName: string, labels: Record<string, string> = {}) => {
      const m = (await registry.getMetricsAsJSON()).find((x) => x.name === metricName);
      const values = (m?.values ?? []) as Array<{ labels: Record<string, string | number>; value: number }>;
      return values.filter((v) => Object.entries(labels).every(([k, want]) => v.labels[k] === want)).reduce((sum, v) => sum + v.value, 0);
    };
    const deliverAll = async (d: Delivery, batch: CanonicalSpan[], maxSimMs?: number) => {
      const done = track(d.deliver(batch));
      await drive(d, server, () => done.done, { maxSimMs });
      if (done.error) throw done.error;
    };

    describe("lifecycle", () => {
      it("delivers, resolves deliver() only after the destination answered, and refuses spans after close", async () => {
        const d = start();
        const batch = spans(3);
        const done = track(d.deliver(batch));
        await advance(d, server, 50);
        expect(done.done).toBe(false); // still batching
        await drive(d, server, () => done.done);
        expect(done.error).toBeUndefined();
        expect(accepted()).toEqual(ids(batch));
        expect(await metric("tracerelay_delivery_spans_delivered_total", { destination: name })).toBe(3);
        const closing = track(d.close());
        await drive(d, server, () => closing.done);
        await expect(d.deliver(spans(1))).rejects.toMatchObject({ code: "TR_DELIVERY_SHUTDOWN" });
        expect(dlq.letters).toEqual([]);
      });
    });

    describe("batching", () => {
      it("by count: max_spans per request", async () => {
        const d = start({ batch: { max_spans: 10, max_wait_ms: 1000 } });
        const batch = spans(25);
        await deliverAll(d, batch);
        expect(decoded().map((r) => r.spanIds.length)).toEqual([10, 10, 5]);
        expect(accepted().sort()).toEqual(ids(batch).sort());
      });

      it("by bytes: no request carries more span bytes than max_bytes", async () => {
        const batch = spans(12, { attributes: { payload: "x".repeat(400) } });
        const spanBytes = Buffer.byteLength(JSON.stringify(batch[0]));
        const d = start({ batch: { max_bytes: Math.max(1024, spanBytes * 3 + 10), max_spans: 1000 } });
        await deliverAll(d, batch);
        const per = Math.floor(Math.max(1024, spanBytes * 3 + 10) / spanBytes);
        expect(decoded().every((r) => r.spanIds.length <= per)).toBe(true);
        expect(decoded().length).toBe(Math.ceil(12 / per));
        expect(accepted().sort()).toEqual(ids(batch).sort());
      });

      it("by time: a partial batch waits max_wait_ms, then goes", async () => {
        const d = start({ batch: { max_wait_ms: 2000 } });
        const done = track(d.deliver(spans(2)));
        await advance(d, server, 1900);
        expect(server.requests.length).toBe(0);
        await drive(d, server, () => done.done, { maxSimMs: 1000 });
        expect(server.requests.length).toBe(1);
      });

      it("spans of concurrent deliver() calls share a batch; each call resolves when its spans settle", async () => {
        const d = start({ batch: { max_spans: 4 } });
        const a = track(d.deliver(spans(2)));
        const b = track(d.deliver(spans(2)));
        await drive(d, server, () => a.done && b.done);
        expect(decoded().map((r) => r.spanIds.length)).toEqual([4]);
      });
    });

    describe("retryable vs permanent", () => {
      it("retries 503 / 408 / 429 and delivers once the destination recovers", async () => {
        server.script({ status: 503, body: "busy" }, { status: 408 }, { status: 429 });
        const d = start({ retry: { initial_backoff_ms: 1000 } });
        const batch = spans(2);
        await deliverAll(d, batch);
        expect(server.requests.map((r) => r.status)).toEqual([503, 408, 429, 200]);
        expect(accepted()).toEqual(ids(batch));
        expect(await metric("tracerelay_delivery_retries_total", { destination: name })).toBe(3);
        expect(await metric("tracerelay_delivery_requests_failed_total", { destination: name, class: "transient" })).toBe(3);
        expect(dlq.letters).toEqual([]);
      });

      it("dead-letters a permanent 4xx at once with the vendor's message; deliver() still resolves", async () => {
        server.script({ status: 400, body: "field 'name' is required" });
        const d = start({ breaker: { volume_threshold: 2 } });
        const batch = spans(3);
        await deliverAll(d, batch);
        expect(server.requests.length).toBe(1);
        expect(dlq.letters).toHaveLength(1);
        const letter = dlq.letters[0];
        expect(letter).toMatchObject({ destination: fixture.adapter.name, attempts: 1, error: { class: "permanent", code: "TR_DELIVERY_PERMANENT", status: 400 } });
        expect(letter.error.message).toMatch(/^not retryable: /);
        expect(letter.error.message).toContain("field 'name' is required");
        expect(ids(letter.spans)).toEqual(ids(batch));
        expect(await metric("tracerelay_delivery_spans_dead_lettered_total", { destination: name, class: "permanent" })).toBe(3);
      });

      it("permanent errors never open the breaker (they say nothing about the destination's health)", async () => {
        server.setFallback({ status: 422, body: "unprocessable" });
        const d = start({ batch: { max_spans: 1 }, breaker: { volume_threshold: 2 } });
        await deliverAll(d, spans(5));
        expect(server.requests.length).toBe(5);
        expect(dlq.letters).toHaveLength(5);
        expect(states).toEqual([]);
        expect(d.breakerState()).toBe("closed");
      });

      it("retries when the connection is refused, and delivers after the port comes back", async () => {
        await server.refuse();
        const d = start({ retry: { initial_backoff_ms: 1000 } });
        const done = track(d.deliver(spans(1)));
        await advance(d, server, 5000);
        expect(done.done).toBe(false);
        expect(await metric("tracerelay_delivery_requests_failed_total", { destination: name, code: "TR_DELIVERY_NETWORK" })).toBeGreaterThan(0);
        await server.accept();
        await drive(d, server, () => done.done);
        expect(done.error).toBeUndefined();
        expect(accepted()).toHaveLength(1);
      });

      it("aborts a request after timeout_ms and retries it", async () => {
        server.script({ hang: true });
        const d = start({ timeout_ms: 5000, retry: { initial_backoff_ms: 100 } });
        const done = track(d.deliver(spans(1)));
        await drive(d, server, () => done.done, { maxSimMs: 60_000 });
        expect(done.error).toBeUndefined();
        expect(server.requests.length).toBe(2);
        expect(server.requests[1].at - server.requests[0].at).toBeGreaterThanOrEqual(5000);
        expect(await metric("tracerelay_delivery_requests_failed_total", { destination: name, code: "TR_DELIVERY_TIMEOUT" })).toBe(1);
      });
    });

    describe("Retry-After", () => {
      it("waits at least as long as the server asked (seconds form), though backoff alone would be shorter", async () => {
        server.script({ status: 429, headers: { "retry-after": "30" }, body: "slow down" });
        const d = start({ retry: { initial_backoff_ms: 100 } });
        await deliverAll(d, spans(1));
        expect(server.requests.map((r) => r.status)).toEqual([429, 200]);
        expect(server.requests[1].at - server.requests[0].at).toBeGreaterThanOrEqual(30_000);
      });

      it("gives up when the server asks for longer than the retry window allows", async () => {
        server.script({ status: 503, headers: { "retry-after": "7200" }, body: "maintenance" });
        const d = start({ retry: { window: "1h" } });
        await deliverAll(d, spans(1));
        expect(server.requests.length).toBe(1);
        expect(dlq.letters[0].error).toMatchObject({ class: "transient", status: 503 });
        expect(dlq.letters[0].error.message).toMatch(/^retries exhausted after 1 attempts \/ 0 s: .*maintenance/);
      });
    });

    describe("circuit breaker", () => {
      it("closed → open on retryable failures, no requests while open, half-open probe, → closed", async () => {
        server.setFallback({ status: 503, body: "down" });
        const d = start({
          batch: { max_spans: 1 },
          retry: { initial_backoff_ms: 100, max_backoff_ms: 1000 },
          breaker: { volume_threshold: 3, error_threshold_percentage: 50, reset_timeout_ms: 20_000 },
        });
        const done = track(d.deliver(spans(3)));
        await drive(d, server, () => d.breakerState() === "open");
        const atOpen = server.requests.length;
        expect(await metric("tracerelay_delivery_breaker_state", { destination: name })).toBe(2);
        await advance(d, server, 15_000);
        expect(server.requests.length).toBe(atOpen); // short-circuited: nothing reaches the vendor
        server.setFallback({ status: 200, body: "ok" });
        await drive(d, server, () => done.done, { maxSimMs: 120_000 });
        expect(done.error).toBeUndefined();
        expect(states.slice(0, 3)).toEqual(["open", "half_open", "closed"]);
        expect(d.breakerState()).toBe("closed");
        expect(await metric("tracerelay_delivery_breaker_state", { destination: name })).toBe(0);
        expect(dlq.letters).toEqual([]);
      });

      it("a failed half-open probe re-opens the breaker", async () => {
        server.setFallback({ status: 503 });
        const d = start({ retry: { initial_backoff_ms: 100 }, breaker: { volume_threshold: 2, reset_timeout_ms: 10_000 } });
        track(d.deliver(spans(1)));
        await drive(d, server, () => states.filter((s) => s === "open").length >= 2, { maxSimMs: 60_000 });
        expect(states.slice(0, 3)).toEqual(["open", "half_open", "open"]);
      });

      it("dead-letters with 'breaker open for <name>' when the window ends while open", async () => {
        server.setFallback({ status: 503, body: "upstream unavailable" });
        const d = start({ retry: { window: "2m", initial_backoff_ms: 100 }, breaker: { volume_threshold: 2, reset_timeout_ms: 300_000 } });
        await deliverAll(d, spans(2), 300_000);
        expect(dlq.letters).toHaveLength(1);
        expect(dlq.letters[0].error.class).toBe("transient");
        expect(dlq.letters[0].error.message).toBe(`breaker open for ${fixture.adapter.name}: HTTP 503: upstream unavailable`);
      });
    });

    describe("retry window", () => {
      it("gives transient failures up after the window: 'retries exhausted after N attempts / S s' with the vendor's message", async () => {
        server.setFallback({ status: 502, body: "bad gateway from upstream" });
        // A breaker that never opens, to exercise the window alone.
        const d = start({ retry: { window: "1m", initial_backoff_ms: 1000, max_backoff_ms: 8000 }, breaker: { volume_threshold: 1000 } });
        await deliverAll(d, spans(2), 120_000);
        expect(dlq.letters).toHaveLength(1);
        const letter = dlq.letters[0];
        expect(letter.attempts).toBe(server.requests.length);
        expect(letter.error.message).toMatch(new RegExp(`^retries exhausted after ${server.requests.length} attempts / 60 s: HTTP 502: bad gateway from upstream$`));
        expect(Date.parse(letter.last_attempt_at) - Date.parse(letter.first_attempt_at)).toBe(60_000);
      });
    });

    describe("idempotent redelivery", () => {
      it("the same spans (in any order) carry the same idempotency key; other spans another", async () => {
        const d = start();
        const batch = spans(4);
        await deliverAll(d, batch);
        await deliverAll(d, [...batch].reverse());
        await deliverAll(d, spans(4));
        const keys = decoded().map((r) => r.idempotencyKey);
        expect(keys[0]).toBeTruthy();
        expect(keys[1]).toBe(keys[0]);
        expect(keys[2]).not.toBe(keys[0]);
      });

      it("a retried request carries the same key as the first attempt", async () => {
        server.script({ status: 500 });
        const d = start({ retry: { initial_backoff_ms: 100 } });
        await deliverAll(d, spans(3));
        const [first, retry] = decoded();
        expect(retry.idempotencyKey).toBe(first.idempotencyKey);
        expect(retry.spanIds).toEqual(first.spanIds);
      });
    });

    describe("shutdown", () => {
      it("close() flushes the pending batch at once instead of waiting max_wait_ms", async () => {
        const d = start({ batch: { max_wait_ms: 600_000 } });
        const batch = spans(3);
        const done = track(d.deliver(batch));
        const closing = track(d.close());
        await drive(d, server, () => done.done && closing.done, { maxSimMs: 1000 });
        expect(done.error).toBeUndefined();
        expect(accepted()).toEqual(ids(batch));
      });

      it("close() after its grace abandons unsettled spans without dead-lettering them (they stay on the bus)", async () => {
        server.setFallback({ status: 503 });
        const d = start({ retry: { initial_backoff_ms: 1000 } });
        const done = track(d.deliver(spans(2)));
        await advance(d, server, 3000);
        const closing = track(d.close({ graceMs: 5000 }));
        await drive(d, server, () => done.done && closing.done, { maxSimMs: 30_000 });
        expect(done.error).toMatchObject({ code: "TR_DELIVERY_SHUTDOWN" });
        expect(dlq.letters).toEqual([]);
      });
    });
  });
}

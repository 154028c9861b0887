// Unit tests of the helper with in-process fake clients (no sockets): what the compliance suite cannot
// see from outside — mapping isolation, a failing dead-letter sink, limits, backoff shape, config.
import { Registry } from "prom-client";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import type { CanonicalSpan } from "../../lib/span/types.ts";
import { spans } from "../_testkit/compliance.ts";
import { FAKE_TIMERS, track } from "../_testkit/drive.ts";
import {
  createDelivery,
  type DeliveryConfig,
  DeliveryConfigError,
  type DestinationAdapter,
  InMemoryDeadLetterSink,
  MappingError,
  PartialFailureError,
  PermanentError,
  parseDuration,
  parseRetryAfter,
  RetryableError,
  resolveDeliveryOptions,
  type SendContext,
  spanKey,
  throwForStatus,
} from "./index.ts";

type Req = { spans: CanonicalSpan[] };
type Send = (req: Req, ctx: SendContext) => Promise<void>;

function adapter(send: Send, map: (s: CanonicalSpan[]) => Req = (s) => ({ spans: s })): DestinationAdapter<Req> {
  return { name: "fake", mapper: { map }, client: { send } };
}

async function until(cond: () => boolean, maxSimMs = 600_000): Promise<void> {
  const end = Date.now() + maxSimMs;
  while (!cond()) {
    if (Date.now() > end) throw new Error("condition not met in simulated time");
    await vi.advanceTimersByTimeAsync(10);
  }
}

const setup = (a: DestinationAdapter<Req>, config: DeliveryConfig = {}, dlq = new InMemoryDeadLetterSink()) =>
  createDelivery(a, resolveDeliveryOptions({ batch: { max_wait_ms: 10 }, ...config }), { registry: new Registry(), deadLetters: dlq, random: () => 0.5 });

beforeEach(() => {
  vi.useFakeTimers(FAKE_TIMERS);
});
afterEach(() => {
  vi.useRealTimers();
});

describe("durations and Retry-After", () => {
  it.each([
    ["15m", 900_000],
    ["24h", 86_400_000],
    ["7d", 604_800_000],
    ["1h30m", 5_400_000],
    ["500ms", 500],
    [2500, 2500],
  ] as const)("parseDuration(%s) = %d", (text, ms) => {
    expect(parseDuration(text)).toBe(ms);
  });
  it.each(["", "15", "15 minutes", "m15", "1h junk", -1])("parseDuration(%s) is not a duration", (text) => {
    expect(parseDuration(text)).toBeUndefined();
  });
  it("reads Retry-After as seconds or as an HTTP date", () => {
    const now = Date.parse("2026-01-01T00:00:00Z");
    expect(parseRetryAfter("120", now)).toBe(120_000);
    expect(parseRetryAfter("Thu, 01 Jan 2026 00:01:00 GMT", now)).toBe(60_000);
    expect(parseRetryAfter("Wed, 31 Dec 2025 00:00:00 GMT", now)).toBe(0);
    expect(parseRetryAfter("soon", now)).toBeUndefined();
    expect(parseRetryAfter(null, now)).toBeUndefined();
  });
});

describe("HTTP classification", () => {
  const classify = (status: number) => {
    try {
      throwForStatus(status, "reason", null, 0);
      return "ok";
    } catch (e) {
      return e instanceof RetryableError ? "retryable" : e instanceof PermanentError ? "permanent" : "other";
    }
  };
  it.each([
    [200, "ok"],
    [204, "ok"],
    [400, "permanent"],
    [401, "permanent"],
    [404, "permanent"],
    [413, "permanent"],
    [408, "retryable"],
    [429, "retryable"],
    [500, "retryable"],
    [503, "retryable"],
  ] as const)("%d is %s", (status, want) => {
    expect(classify(status)).toBe(want);
  });
});

describe("config", () => {
  it("fills defaults from one place and rejects unknown keys, reporting every problem", () => {
    const o = resolveDeliveryOptions({});
    expect(o.retry.window_ms).toBe(86_400_000);
    expect(o.rate_limit).toBeUndefined();
    expect(() => resolveDeliveryOptions({ batchh: {} } as DeliveryConfig)).toThrow(DeliveryConfigError);
    try {
      resolveDeliveryOptions({ retry: { window: "soon" }, concurrency: 0 } as DeliveryConfig);
      expect.unreachable();
    } catch (e) {
      expect((e as DeliveryConfigError).problems).toHaveLength(2);
    }
  });
  it("lets a destination's vendor defaults sit between the common defaults and the user's block", () => {
    const o = resolveDeliveryOptions({ batch: { max_spans: 7 } }, { batch: { max_bytes: 5_000_000, max_spans: 100 } });
    expect(o.batch).toEqual({ max_spans: 7, max_bytes: 5_000_000, max_wait_ms: 1000 });
  });
});

describe("createDelivery", () => {
  it("dead-letters only the spans the mapper refuses and delivers the rest of the batch", async () => {
    const sent: string[] = [];
    const dlq = new InMemoryDeadLetterSink();
    const d = setup(
      adapter(
        async (r) => {
          sent.push(...r.spans.map((s) => s.name));
        },
        (s) => {
          const bad = s.find((x) => x.name.endsWith("!"));
          if (bad) throw new MappingError(`cannot map ${bad.name}`);
          return { spans: s };
        },
      ),
      {},
      dlq,
    );
    const batch = spans(4);
    batch[1].name = "weird!";
    const done = track(d.deliver(batch));
    await until(() => done.done);
    expect(done.error).toBeUndefined();
    expect(sent).toEqual([batch[0].name, batch[2].name, batch[3].name]);
    expect(dlq.letters).toHaveLength(1);
    expect(dlq.letters[0]).toMatchObject({ attempts: 0, error: { class: "mapping", code: "TR_DELIVERY_MAPPING", message: "not retryable: cannot map weird!" } });
    expect(dlq.letters[0].spans.map((s) => s.name)).toEqual(["weird!"]);
  });

  it("rejects deliver() when the dead-letter sink fails, so the bus does not commit", async () => {
    const d = setup(
      adapter(async () => {
        throw new PermanentError("HTTP 400: nope", { status: 400 });
      }),
      {},
      { put: async () => Promise.reject(new Error("dlq down")) } as unknown as InMemoryDeadLetterSink,
    );
    const done = track(d.deliver(spans(2)));
    await until(() => done.done);
    expect((done.error as Error).message).toBe("dlq down");
  });

  it("retries an unclassified client error (a bug must not drop spans)", async () => {
    let calls = 0;
    const d = setup(
      adapter(async () => {
        if (++calls === 1) throw new TypeError("x is not a function");
      }),
    );
    const done = track(d.deliver(spans(1)));
    await until(() => done.done);
    expect(done.error).toBeUndefined();
    expect(calls).toBe(2);
  });

  it("sends a span larger than max_bytes alone instead of holding it back", async () => {
    const sizes: number[] = [];
    const d = setup(
      adapter(async (r) => {
        sizes.push(r.spans.length);
      }),
      { batch: { max_bytes: 1024, max_spans: 100 } },
    );
    const batch = spans(3);
    batch[1].attributes = { big: "x".repeat(2000) };
    const done = track(d.deliver(batch));
    await until(() => done.done);
    expect(sizes).toEqual([1, 1, 1]);
  });

  it("never has more than `concurrency` requests in flight", async () => {
    let inFlight = 0;
    let peak = 0;
    const d = setup(
      adapter(async () => {
        inFlight++;
        peak = Math.max(peak, inFlight);
        await new Promise((r) => setTimeout(r, 1000));
        inFlight--;
      }),
      { concurrency: 2, batch: { max_spans: 1 } },
    );
    const done = track(d.deliver(spans(6)));
    await until(() => done.done);
    expect(peak).toBe(2);
  });

  it("spaces requests by the rate limit", async () => {
    const at: number[] = [];
    const d = setup(
      adapter(async () => {
        at.push(Date.now());
      }),
      { rate_limit: { requests_per_second: 2, burst: 1 }, batch: { max_spans: 1 } },
    );
    const done = track(d.deliver(spans(4)));
    await until(() => done.done);
    const gaps = at.slice(1).map((t, i) => t - at[i]);
    expect(gaps.every((g) => g >= 500)).toBe(true);
  });

  it("backs off exponentially with full jitter, capped at max_backoff_ms", async () => {
    const at: number[] = [];
    const d = setup(
      adapter(async () => {
        at.push(Date.now());
        if (at.length < 7) throw new RetryableError("HTTP 503");
      }),
      { retry: { initial_backoff_ms: 1000, max_backoff_ms: 8000 }, breaker: { volume_threshold: 1000 } },
    );
    const done = track(d.deliver(spans(1)));
    await until(() => done.done);
    // random() = 0.5 → half of min(8000, 1000·2^(n-1))
    expect(at.slice(1).map((t, i) => t - at[i])).toEqual([500, 1000, 2000, 4000, 4000, 4000]);
  });

  it("honours Retry-After over a shorter backoff", async () => {
    const at: number[] = [];
    const d = setup(
      adapter(async () => {
        at.push(Date.now());
        if (at.length === 1) throw new RetryableError("HTTP 429", { status: 429, retryAfterMs: 45_000 });
      }),
    );
    const done = track(d.deliver(spans(1)));
    await until(() => done.done);
    expect(at[1] - at[0]).toBe(45_000);
  });
});

describe("sleep", () => {
  it("waits delays longer than setTimeout can hold (~24.8 days) in full", async () => {
    const { sleep, systemClock } = await import("./clock.ts");
    const done = track(sleep(systemClock, 30 * 86_400_000));
    await vi.advanceTimersByTimeAsync(29 * 86_400_000);
    expect(done.done).toBe(false);
    await vi.advanceTimersByTimeAsync(86_400_000);
    expect(done.done).toBe(true);
  });
});

describe("partial answers (PartialFailureError)", () => {
  it("delivers the accepted spans once, dead-letters the refused ones with the vendor's reason, and retries only the transient ones", async () => {
    const batch = spans(5);
    const [bad, flaky] = [batch[1], batch[3]];
    const sent: string[][] = [];
    let flakyFailures = 0;
    const dlq = new InMemoryDeadLetterSink();
    const d = setup(
      adapter(async (req) => {
        sent.push(req.spans.map((s) => s.span_id));
        const failures = [];
        if (req.spans.includes(bad)) failures.push({ keys: [spanKey(bad)], error: new PermanentError("event 1: invalid usage", { status: 400 }) });
        if (req.spans.includes(flaky) && flakyFailures++ < 2) failures.push({ keys: [spanKey(flaky)], error: new RetryableError("event 3: internal error", { status: 500 }) });
        if (failures.length) throw new PartialFailureError(failures);
      }),
      { retry: { initial_backoff_ms: 100, max_backoff_ms: 1000 } },
      dlq,
    );
    const done = track(d.deliver(batch));
    await until(() => done.done);
    expect(done.error).toBeUndefined();
    // First request carries all five; then only the flaky span, twice (it fails once more, then lands).
    expect(sent).toEqual([batch.map((s) => s.span_id), [flaky.span_id], [flaky.span_id]]);
    expect(dlq.letters).toHaveLength(1);
    expect(dlq.letters[0].spans).toEqual([bad]);
    expect(dlq.letters[0].error).toMatchObject({ class: "permanent", status: 400, message: "not retryable: event 1: invalid usage" });
    expect(d.breakerState()).toBe("closed");
    await d.close({ graceMs: 0 });
  });

  it("dead-letters the transient part when the retry window closes", async () => {
    const batch = spans(3);
    const dlq = new InMemoryDeadLetterSink();
    const d = setup(
      adapter(async (req) => {
        if (req.spans.includes(batch[0])) throw new PartialFailureError([{ keys: [spanKey(batch[0])], error: new RetryableError("busy", { status: 503 }) }]);
      }),
      { retry: { window: "10s", initial_backoff_ms: 1000, max_backoff_ms: 2000 } },
      dlq,
    );
    const done = track(d.deliver(batch));
    await until(() => done.done);
    expect(done.error).toBeUndefined();
    expect(dlq.spanIds()).toEqual([batch[0].span_id]);
    expect(dlq.letters[0].error.class).toBe("transient");
    expect(dlq.letters[0].error.message).toMatch(/^retries exhausted after \d+ attempts/);
    expect(dlq.letters[0].attempts).toBeGreaterThan(2);
    await d.close({ graceMs: 0 });
  });
});

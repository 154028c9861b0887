// createDelivery: THE path every destination's spans take (DESIGN.md "Delivery semantics").
//
//   deliver(spans) ─► batcher (max_spans / max_bytes / max_wait_ms) ─► mapper ─► retry loop (p-retry)
//       ─► breaker (opossum) ─► rate limit ─► concurrency ─► client.send(request, { signal: timeout })
//
// Contract with the bus consumer: `deliver(spans)` resolves only when EVERY span is either accepted by
// the destination or handed to the dead-letter sink (the sink's `put` resolved). Only then may the bus
// offset be committed: at-least-once, nothing lost. It rejects (and nothing must be committed) when the
// dead-letter sink fails or `close()` stops waiting; the bus then redelivers the same spans.
//
// Memory bound: while the breaker is open or retries are pending, `deliver` does not resolve, so the
// consumer fetches nothing more; spans wait on the bus, not here. The helper therefore holds at most the
// spans of the `deliver` calls that have not resolved — the consumer's maxBatch × its in-flight
// handlers (one per partition) — plus one request body per batch. There is no internal queue to grow.
//
// Give-ups (dead letters) say why: "not retryable: …" (permanent or mapping), "retries exhausted after
// N attempts / S s: …" (retry window over), "breaker open for <name>: …" (window over while open).
import pRetry, { AbortError } from "p-retry";
import type { Registry } from "prom-client";
import { spanBytes } from "../../lib/span/json.ts";
import type { CanonicalSpan } from "../../lib/span/types.ts";
import { type Breaker, createBreaker, isBreakerOpen } from "./breaker.ts";
import { type Clock, sleep, systemClock } from "./clock.ts";
import type { DeliveryOptions } from "./config.ts";
import type { DeadLetter, DeadLetterSink } from "./dead-letter.ts";
import { formatSeconds } from "./duration.ts";
import { classOf, DeliveryError, DeliveryShutdownError, type ErrorClass, messageOf, PartialFailureError, RetryableError, spanKey } from "./errors.ts";
import { RateLimiter, Semaphore } from "./limits.ts";
import { BREAKER_STATE_VALUE, deliveryMetrics } from "./metrics.ts";
import type { BreakerState, DestinationAdapter } from "./types.ts";

export interface DeliveryDeps {
  registry: Registry;
  deadLetters: DeadLetterSink;
  clock?: Clock;
  /** [0, 1); injectable so backoff jitter is deterministic in tests. */
  random?: () => number;
  logger?: { warn(obj: object, msg: string): void };
}

export interface DeliveryStats {
  /** Spans handed to `deliver` that have not settled. */
  pendingSpans: number;
  /** Requests currently awaiting the client. */
  inFlightRequests: number;
  breaker: BreakerState;
  /** Totals since this process started (the status API sums them over processes). */
  delivered: number;
  failedRequests: number;
  retried: number;
  deadLettered: number;
  /** 95th percentile of the last 1,000 requests' latency, ms (undefined before the first request). */
  p95Ms?: number;
  lastError?: { message: string; code: string; at: string };
}

export interface Delivery {
  readonly name: string;
  deliver(spans: CanonicalSpan[]): Promise<void>;
  /** Sends the pending batch now instead of waiting for max_wait_ms. */
  flush(): void;
  /**
   * Flushes the pending batch and waits up to `graceMs` (clock time) for everything to settle. What has
   * not settled by then is abandoned WITHOUT dead-lettering: its `deliver` rejects with
   * DeliveryShutdownError, so the bus keeps those spans for the next run.
   */
  close(options?: { graceMs?: number }): Promise<void>;
  breakerState(): BreakerState;
  /** Called on every breaker transition (status API, tests). */
  onBreakerChange(listener: (state: BreakerState) => void): void;
  stats(): DeliveryStats;
}

interface Ticket {
  remaining: number;
  settled: boolean;
  resolve(): void;
  reject(err: unknown): void;
}

interface Item {
  span: CanonicalSpan;
  bytes: number;
  ticket: Ticket;
}

type Letter = Omit<DeadLetter, "destination" | "spans">;

type Outcome = { ok: true } | { ok: false; letter: Letter } | { ok: false; partial: PartialFailureError };

const iso = (ms: number) => new Date(ms).toISOString();

export function createDelivery<R>(adapter: DestinationAdapter<R>, options: DeliveryOptions, deps: DeliveryDeps): Delivery {
  const { name, mapper, client } = adapter;
  const clock = deps.clock ?? systemClock;
  const random = deps.random ?? Math.random;
  const metrics = deliveryMetrics(deps.registry);
  const label = { destination: name };
  const breaker: Breaker = createBreaker(name, options.breaker, () => clock.now());
  const semaphore = new Semaphore(options.concurrency);
  const rate = options.rate_limit ? new RateLimiter(clock, options.rate_limit.requests_per_second, options.rate_limit.burst) : undefined;
  const shutdown = new AbortController();
  const running = new Set<Promise<void>>();

  let pending: Item[] = [];
  let pendingBytes = 0;
  let timer: unknown;
  let closed = false;
  let pendingSpans = 0;
  let inFlight = 0;
  const totals = { delivered: 0, failedRequests: 0, retried: 0, deadLettered: 0 };
  const latencies = new LatencyWindow(1000);
  let lastError: DeliveryStats["lastError"];

  metrics.breakerState.set(label, BREAKER_STATE_VALUE.closed);
  breaker.on((state) => {
    metrics.breakerState.set(label, BREAKER_STATE_VALUE[state]);
    deps.logger?.warn({ destination: name, breaker: state }, `breaker ${state} for ${name}`);
  });

  // ── batching ────────────────────────────────────────────────────────────────────────────────
  function flush(): void {
    if (timer !== undefined) clock.clearTimeout(timer);
    timer = undefined;
    if (pending.length === 0) return;
    const items = pending;
    pending = [];
    pendingBytes = 0;
    const run = sendBatch(items).then(
      () => settle(items),
      (err) => fail(items, err),
    );
    running.add(run);
    void run.finally(() => running.delete(run));
  }

  function settle(items: Item[]): void {
    pendingSpans -= items.length;
    metrics.pendingSpans.set(label, pendingSpans);
    for (const { ticket } of items) {
      ticket.remaining--;
      if (ticket.remaining === 0 && !ticket.settled) {
        ticket.settled = true;
        ticket.resolve();
      }
    }
  }

  function fail(items: Item[], err: unknown): void {
    pendingSpans -= items.length;
    metrics.pendingSpans.set(label, pendingSpans);
    for (const { ticket } of items) {
      ticket.remaining--;
      if (!ticket.settled) {
        ticket.settled = true;
        ticket.reject(err);
      }
    }
  }

  function add(item: Item): void {
    // A span that would push the batch over max_bytes starts a new batch; a single span larger than
    // max_bytes still goes alone (the destination decides; a 413 is permanent and dead-letters it).
    if (pending.length > 0 && pendingBytes + item.bytes > options.batch.max_bytes) flush();
    pending.push(item);
    pendingBytes += item.bytes;
    if (pending.length >= options.batch.max_spans || pendingBytes >= options.batch.max_bytes) flush();
    else if (timer === undefined) timer = clock.setTimeout(flush, options.batch.max_wait_ms);
  }

  // ── one batch: map, send with retries, or dead-letter ──────────────────────────────────────
  async function sendBatch(items: Item[]): Promise<void> {
    const spans = items.map((i) => i.span);
    const groups = mapIsolating(spans);
    // allSettled, not all: a failed group must not mark the batch settled while its siblings still send.
    const results = await Promise.allSettled(
      groups.map(async (g) => {
        if ("error" in g) {
          const at = clock.now();
          await deadLetter(g.spans, letterOf("mapping", `not retryable: ${messageOf(g.error)}`, g.error, 0, at, at));
          return;
        }
        await deliverGroup(g.spans, g.request, { first: clock.now(), sent: 0 });
      }),
    );
    const failure = results.find((r) => r.status === "rejected");
    if (failure) throw failure.reason;
  }

  /** Sends one mapped group; on a partial answer, settles what was accepted and retries only the rest. */
  async function deliverGroup(spans: CanonicalSpan[], request: R, history: { first: number; sent: number }): Promise<void> {
    const outcome = await sendWithRetry(request, spans.length, history);
    if (outcome.ok) {
      metrics.delivered.inc(label, spans.length);
      totals.delivered += spans.length;
      return;
    }
    if ("letter" in outcome) {
      await deadLetter(spans, outcome.letter);
      return;
    }
    const byKey = new Map(spans.map((s) => [spanKey(s), s]));
    const refused = new Set<string>();
    const retry: CanonicalSpan[] = [];
    let retryError: DeliveryError | undefined;
    const letters: Array<Promise<void>> = [];
    const at = clock.now();
    for (const f of outcome.partial.failures) {
      const failed = f.keys.filter((k) => byKey.has(k) && !refused.has(k));
      for (const k of failed) refused.add(k);
      const group = failed.map((k) => byKey.get(k)!);
      if (group.length === 0) continue;
      if (classOf(f.error) === "transient") {
        retry.push(...group);
        retryError = f.error;
        continue;
      }
      letters.push(deadLetter(group, letterOf(classOf(f.error), `not retryable: ${f.error.message}`, f.error, history.sent, history.first, at)));
    }
    metrics.delivered.inc(label, spans.length - refused.size);
    totals.delivered += spans.length - refused.size;
    await Promise.all(letters);
    if (retry.length === 0) return;
    const delay = nextDelay(retryError, history.sent, history.first + options.retry.window_ms);
    if (delay === undefined) {
      const message = `retries exhausted after ${history.sent} attempts / ${formatSeconds(clock.now() - history.first)}: ${retryError!.message}`;
      await deadLetter(retry, letterOf("transient", message, retryError, history.sent, history.first, at));
      return;
    }
    metrics.retried.inc(label);
    totals.retried++;
    await sleep(clock, delay, shutdown.signal);
    if (shutdown.signal.aborted) throw shutdown.signal.reason;
    await Promise.all(
      mapIsolating(retry).map((g) =>
        "error" in g
          ? deadLetter(g.spans, letterOf("mapping", `not retryable: ${messageOf(g.error)}`, g.error, history.sent, history.first, at))
          : deliverGroup(g.spans, g.request, history),
      ),
    );
  }

  /** Maps the batch; when the mapper refuses it, maps span by span so only the bad spans are dead-lettered. */
  function mapIsolating(spans: CanonicalSpan[]): Array<{ spans: CanonicalSpan[]; request: R } | { spans: CanonicalSpan[]; error: unknown }> {
    try {
      return [{ spans, request: mapper.map(spans) }];
    } catch (err) {
      if (spans.length === 1) return [{ spans, error: err }];
      const good: CanonicalSpan[] = [];
      const bad: Array<{ spans: CanonicalSpan[]; error: unknown }> = [];
      for (const span of spans) {
        try {
          mapper.map([span]);
          good.push(span);
        } catch (e) {
          bad.push({ spans: [span], error: e });
        }
      }
      // Every span maps alone but not together (e.g. a batch-level constraint): nothing to isolate.
      if (bad.length === 0) return [{ spans, error: err }];
      return good.length ? [...bad, ...mapIsolating(good)] : bad;
    }
  }

  async function deadLetter(spans: CanonicalSpan[], letter: Letter): Promise<void> {
    // If the sink fails, this rejects and the batch's `deliver` rejects: the spans stay on the bus.
    await deps.deadLetters.put({ destination: name, spans, ...letter });
    metrics.deadLettered.inc({ destination: name, class: letter.error.class }, spans.length);
    totals.deadLettered += spans.length;
    deps.logger?.warn({ destination: name, spans: spans.length, error: letter.error }, "dead-lettered");
  }

  /** One request through the limits, with the per-request timeout. Only ever throws DeliveryErrors. */
  async function attempt(request: R, attemptNo: number, batchSize: number): Promise<void> {
    await rate?.take(shutdown.signal);
    const release = await semaphore.acquire();
    const timeout = new AbortController();
    const handle = clock.setTimeout(() => timeout.abort(new Error("timeout")), options.timeout_ms);
    const stop = metrics.requestSeconds.startTimer(label);
    const began = clock.now();
    inFlight++;
    try {
      metrics.batchSpans.observe(label, batchSize);
      await client.send(request, { signal: AbortSignal.any([timeout.signal, shutdown.signal]), attempt: attemptNo });
    } catch (err) {
      if (shutdown.signal.aborted) throw shutdown.signal.reason;
      // Whatever the client threw when OUR timer fired, it is a timeout (a retryable one).
      const e = timeout.signal.aborted
        ? new RetryableError(`no response within ${options.timeout_ms} ms`, { code: "TR_DELIVERY_TIMEOUT", cause: err })
        : err instanceof DeliveryError
          ? err
          : // An unclassified error (a client bug, an unwrapped fetch TypeError) is retried, not dropped.
            new RetryableError(messageOf(err), { cause: err });
      metrics.failed.inc({ destination: name, class: e instanceof PartialFailureError ? "partial" : classOf(e), code: e.code });
      totals.failedRequests++;
      lastError = { message: e.message, code: e.code, at: iso(clock.now()) };
      throw e;
    } finally {
      inFlight--;
      stop();
      latencies.push(clock.now() - began);
      clock.clearTimeout(handle);
      release();
    }
  }

  /** `history` carries the retry window's start and the attempt count across partial retries (and is updated). */
  async function sendWithRetry(request: R, batchSize: number, history: { first: number; sent: number }): Promise<Outcome> {
    const first = history.first;
    const windowEnd = first + options.retry.window_ms;
    let sent = history.sent; // requests that reached the client (breaker rejections are not attempts)
    let partial: PartialFailureError | undefined;
    let lastError: unknown;
    let last = first;
    const giveUp = (cls: ErrorClass, message: string, err: unknown): Outcome => ({ ok: false, letter: letterOf(cls, message, err, sent, first, last) });
    try {
      await pRetry(
        async () => {
          try {
            await breaker.fire(() => {
              sent++;
              history.sent = sent;
              last = clock.now();
              return attempt(request, sent, batchSize);
            });
          } catch (err) {
            if (err instanceof PartialFailureError) {
              partial = err; // the destination answered: settle per span in deliverGroup
              return;
            }
            if (err instanceof DeliveryShutdownError) throw new AbortError(err);
            if (!isBreakerOpen(err)) lastError = err;
            // Permanent and mapping errors end the loop at once; p-retry rethrows the original error.
            if (!isBreakerOpen(err) && classOf(err) !== "transient") throw new AbortError(err as Error);
            throw err;
          }
        },
        {
          retries: Number.POSITIVE_INFINITY, // the window bounds retries, not a count
          minTimeout: 0, // p-retry must not sleep on its own timers: the delay below is ours
          signal: shutdown.signal,
          // Decides AND waits: p-retry awaits this before the next attempt. Returning false ends the loop.
          shouldRetry: async ({ error }) => {
            const delay = nextDelay(error, sent, windowEnd);
            if (delay === undefined) return false;
            metrics.retried.inc(label);
            totals.retried++;
            await sleep(clock, delay, shutdown.signal);
            return true;
          },
        },
      );
      return partial ? { ok: false, partial } : { ok: true };
    } catch (err) {
      if (shutdown.signal.aborted) throw shutdown.signal.reason;
      const cls = classOf(err);
      if (cls !== "transient") return giveUp(cls, `not retryable: ${messageOf(err)}`, err);
      const vendor = lastError === undefined ? "no request was sent" : messageOf(lastError);
      if (isBreakerOpen(err)) return giveUp("transient", `breaker open for ${name}: ${vendor}`, lastError);
      return giveUp("transient", `retries exhausted after ${sent} attempts / ${formatSeconds(clock.now() - first)}: ${vendor}`, lastError);
    }
  }

  /**
   * Full-jitter exponential backoff (random in [0, min(max, initial·2^(n-1)))), never shorter than the
   * server's Retry-After, and while the breaker is open at least until it goes half-open. Returns
   * undefined when the next attempt would fall outside the retry window: give up now.
   */
  function nextDelay(error: unknown, sent: number, windowEnd: number): number | undefined {
    const now = clock.now();
    const left = windowEnd - now;
    if (left <= 0) return undefined;
    const cap = Math.min(options.retry.max_backoff_ms, options.retry.initial_backoff_ms * 2 ** Math.max(0, sent - 1));
    let delay = Math.floor(random() * cap);
    if (isBreakerOpen(error)) {
      const opened = breaker.openedAt();
      const untilHalfOpen = opened === undefined ? 0 : opened + options.breaker.reset_timeout_ms - now;
      // Spread the waiting batches over one initial backoff after the breaker goes half-open.
      delay = Math.max(untilHalfOpen, 0) + Math.floor(random() * options.retry.initial_backoff_ms);
    }
    const retryAfter = error instanceof RetryableError ? error.retryAfterMs : undefined;
    if (retryAfter !== undefined) {
      // The server asked for a pause longer than the window allows: honour it by giving up, not by asking early.
      if (retryAfter > left) return undefined;
      delay = Math.max(delay, retryAfter);
    }
    // One last attempt exactly at the window's end rather than none.
    return Math.max(0, Math.min(delay, left));
  }

  return {
    name,
    deliver(spans) {
      if (closed) return Promise.reject(new DeliveryShutdownError(`delivery for ${name} is closed`));
      if (spans.length === 0) return Promise.resolve();
      return new Promise<void>((resolve, reject) => {
        const ticket: Ticket = { remaining: spans.length, settled: false, resolve, reject };
        pendingSpans += spans.length;
        metrics.pendingSpans.set(label, pendingSpans);
        for (const span of spans) add({ span, bytes: spanBytes(span).length, ticket });
      });
    },
    flush,
    async close({ graceMs = 30_000 } = {}) {
      if (closed) return;
      closed = true;
      flush();
      if (running.size > 0) {
        const all = Promise.allSettled([...running]);
        let handle: unknown;
        const deadline = new Promise<void>((resolve) => {
          handle = clock.setTimeout(resolve, graceMs);
        });
        await Promise.race([all, deadline]);
        clock.clearTimeout(handle);
        if (running.size > 0) {
          shutdown.abort(new DeliveryShutdownError(`delivery for ${name} closed with spans unsettled; they stay on the bus`));
          await Promise.allSettled([...running]);
        }
      }
      breaker.shutdown();
      await client.close?.();
    },
    breakerState: () => breaker.state(),
    onBreakerChange: (listener) => breaker.on(listener),
    stats: () => ({ pendingSpans, inFlightRequests: inFlight, breaker: breaker.state(), ...totals, p95Ms: latencies.p95(), lastError }),
  };
}

/** The last `size` request latencies, for a p95 that follows the destination's current behaviour. */
class LatencyWindow {
  private readonly values: number[] = [];
  private next = 0;
  private readonly size: number;
  constructor(size: number) {
    this.size = size;
  }
  push(ms: number): void {
    if (this.values.length < this.size) this.values.push(ms);
    else this.values[this.next] = ms;
    this.next = (this.next + 1) % this.size;
  }
  p95(): number | undefined {
    if (this.values.length === 0) return undefined;
    const sorted = [...this.values].sort((a, b) => a - b);
    return sorted[Math.min(sorted.length - 1, Math.ceil(sorted.length * 0.95) - 1)];
  }
}

/** Why and when spans were given up: `err` (the last error) supplies the code and the vendor's status. */
function letterOf(cls: ErrorClass, message: string, err: unknown, attempts: number, firstMs: number, lastMs: number): Letter {
  const status = statusOf(err);
  return { error: { class: cls, code: codeOf(err), message, ...(status === undefined ? {} : { status }) }, attempts, first_attempt_at: iso(firstMs), last_attempt_at: iso(lastMs) };
}

function codeOf(err: unknown): string {
  return err instanceof DeliveryError ? err.code : "TR_DELIVERY_RETRYABLE";
}

function statusOf(err: unknown): number | undefined {
  return err instanceof DeliveryError ? err.status : undefined;
}

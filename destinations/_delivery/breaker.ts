// One opossum circuit breaker per destination. Only RETRYABLE failures count toward opening: a 400 for
// a malformed span says nothing about the destination's health, so it is filtered (opossum counts a
// filtered error as a success — the server answered). Open → after reset_timeout_ms half-open: exactly
// one probe request goes through; success closes, failure re-opens. While open, `fire` rejects at once
// with `isBreakerOpen(err)` true and the helper waits (spans stay on the bus) instead of giving up.
import CircuitBreaker from "opossum";
import { RetryableError } from "./errors.ts";
import type { DeliveryOptions } from "./config.ts";
import type { BreakerState } from "./types.ts";

export interface Breaker {
  fire(action: () => Promise<void>): Promise<void>;
  state(): BreakerState;
  /** Clock time the breaker last opened (for "wait until half-open"), or undefined. */
  openedAt(): number | undefined;
  on(listener: (state: BreakerState) => void): void;
  shutdown(): void;
}

export function isBreakerOpen(err: unknown): boolean {
  return (err as { code?: string })?.code === "EOPENBREAKER";
}

export function createBreaker(name: string, options: DeliveryOptions["breaker"], now: () => number): Breaker {
  const cb = new CircuitBreaker((action: () => Promise<void>) => action(), {
    name,
    timeout: false, // the helper's own per-request timeout aborts the request; opossum's would not
    resetTimeout: options.reset_timeout_ms,
    errorThresholdPercentage: options.error_threshold_percentage,
    volumeThreshold: options.volume_threshold,
    rollingCountTimeout: options.rolling_window_ms,
    rollingCountBuckets: 10,
    // A partial answer (PartialFailureError) is filtered too: the destination is up.
    errorFilter: (err: unknown) => !(err instanceof RetryableError),
  });
  let opened: number | undefined;
  const listeners: Array<(s: BreakerState) => void> = [];
  const emit = (s: BreakerState) => {
    for (const l of listeners) l(s);
  };
  cb.on("open", () => {
    opened = now();
    emit("open");
  });
  cb.on("halfOpen", () => emit("half_open"));
  cb.on("close", () => {
    opened = undefined;
    emit("closed");
  });
  return {
    fire: (action) => cb.fire(action),
    state: () => (cb.opened ? "open" : cb.halfOpen ? "half_open" : "closed"),
    openedAt: () => opened,
    on: (l) => {
      listeners.push(l);
    },
    shutdown: () => cb.shutdown(),
  };
}

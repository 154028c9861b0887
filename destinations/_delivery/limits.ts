// Concurrency and rate limits for one destination. Both are FIFO so an old batch is never starved by a
// newer one. The rate limiter is a token bucket on the injected clock (fake time in tests).
import { type Clock, sleep } from "./clock.ts";

export class Semaphore {
  #free: number;
  readonly #waiters: Array<() => void> = [];
  constructor(permits: number) {
    this.#free = permits;
  }
  async acquire(): Promise<() => void> {
    if (this.#free > 0) this.#free--;
    else await new Promise<void>((resolve) => this.#waiters.push(resolve));
    let released = false;
    return () => {
      if (released) return;
      released = true;
      const next = this.#waiters.shift();
      // Hand the permit straight to the next waiter rather than freeing it, so FIFO order holds.
      if (next) next();
      else this.#free++;
    };
  }
}

export class RateLimiter {
  readonly #clock: Clock;
  readonly #perMs: number;
  readonly #burst: number;
  #tokens: number;
  #at: number;
  #queue: Promise<void> = Promise.resolve();
  constructor(clock: Clock, requestsPerSecond: number, burst: number) {
    this.#clock = clock;
    this.#perMs = requestsPerSecond / 1000;
    this.#burst = burst;
    this.#tokens = burst;
    this.#at = clock.now();
  }
  /** Resolves when one request may start. Calls are served in order. */
  take(signal?: AbortSignal): Promise<void> {
    const turn = this.#queue.then(async () => {
      this.#refill();
      if (this.#tokens < 1) {
        await sleep(this.#clock, Math.ceil((1 - this.#tokens) / this.#perMs), signal);
        this.#refill();
      }
      this.#tokens -= 1;
    });
    this.#queue = turn.catch(() => {});
    return turn;
  }
  #refill(): void {
    const now = this.#clock.now();
    this.#tokens = Math.min(this.#burst, this.#tokens + (now - this.#at) * this.#perMs);
    this.#at = now;
  }
}

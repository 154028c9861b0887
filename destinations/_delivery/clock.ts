// The clock the helper schedules with. The system clock reads the globals at CALL time (not import
// time), so vitest fake timers drive the helper, opossum and p-retry together; tests never sleep.
// Invariant: an injected clock must follow the same time as the globals, because opossum's reset
// timer runs on the global setTimeout while the helper computes "until half-open" on this clock.

export interface Clock {
  now(): number;
  setTimeout(fn: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

export const systemClock: Clock = {
  now: () => Date.now(),
  setTimeout: (fn, ms) => {
    const t = globalThis.setTimeout(fn, ms);
    return t;
  },
  clearTimeout: (h) => globalThis.clearTimeout(h as ReturnType<typeof setTimeout>),
};

/** setTimeout fires AT ONCE for delays over 2^31-1 ms (~24.8 days); a days-long window can ask for more. */
const MAX_TIMER_MS = 2 ** 31 - 1;

/** Resolves after `ms` on `clock`, or rejects with the signal's reason when it aborts first. */
export async function sleep(clock: Clock, ms: number, signal?: AbortSignal): Promise<void> {
  let left = ms;
  while (left > MAX_TIMER_MS) {
    await sleepOnce(clock, MAX_TIMER_MS, signal);
    left -= MAX_TIMER_MS;
  }
  await sleepOnce(clock, left, signal);
}

function sleepOnce(clock: Clock, ms: number, signal?: AbortSignal): Promise<void> {
  if (signal?.aborted) return Promise.reject(signal.reason);
  return new Promise((resolve, reject) => {
    const onAbort = () => {
      clock.clearTimeout(handle);
      reject(signal?.reason);
    };
    const handle = clock.setTimeout(() => {
      signal?.removeEventListener("abort", onAbort);
      resolve();
    }, ms);
    signal?.addEventListener("abort", onAbort, { once: true });
  });
}

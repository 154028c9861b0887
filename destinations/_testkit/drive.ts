// Drives simulated time while real loopback I/O happens. Tests run under vitest fake timers that fake
// setTimeout/setInterval/Date only (setImmediate and performance stay real), so:
//   - while the helper has requests in flight that the server is not deliberately holding, real I/O is
//     under way: yield to the real event loop (no simulated time passes);
//   - otherwise advance simulated time one step (backoffs, batch timers, breaker reset fire).
// A real-time budget turns a wedged test into a clear failure instead of a hang.
import { vi } from "vitest";
import type { Delivery } from "../_delivery/index.ts";
import type { ContractServer } from "./contract-server.ts";

export const FAKE_TIMERS: NonNullable<Parameters<typeof vi.useFakeTimers>[0]> = { toFake: ["setTimeout", "clearTimeout", "setInterval", "clearInterval", "Date"] };

export const realTick = () => new Promise<void>((resolve) => setImmediate(resolve));

export interface DriveOptions {
  /** Give up after this much simulated time (default 10 min). */
  maxSimMs?: number;
  stepMs?: number;
  realBudgetMs?: number;
}

export async function drive(
  delivery: Delivery | Delivery[],
  server: ContractServer | ContractServer[],
  until: () => boolean,
  options: DriveOptions = {},
): Promise<void> {
  const deliveries = Array.isArray(delivery) ? delivery : [delivery];
  const servers = Array.isArray(server) ? server : [server];
  const sum = (xs: number[]) => xs.reduce((a, b) => a + b, 0);
  const { maxSimMs = 600_000, stepMs = 50, realBudgetMs = 20_000 } = options;
  const simStart = Date.now();
  const realDeadline = performance.now() + realBudgetMs;
  for (;;) {
    await realTick();
    if (until()) return;
    if (performance.now() > realDeadline) throw new Error(`drive: real-time budget of ${realBudgetMs} ms exceeded (sim +${Date.now() - simStart} ms)`);
    if (Date.now() - simStart > maxSimMs) throw new Error(`drive: condition not met within ${maxSimMs} ms of simulated time`);
    if (sum(deliveries.map((d) => d.stats().inFlightRequests)) > sum(servers.map((s) => s.hanging()))) continue;
    await vi.advanceTimersByTimeAsync(stepMs);
  }
}

/** Advances simulated time by `ms` while letting real I/O complete. */
export async function advance(delivery: Delivery | Delivery[], server: ContractServer | ContractServer[], ms: number, stepMs = 50): Promise<void> {
  const end = Date.now() + ms;
  await drive(delivery, server, () => Date.now() >= end, { maxSimMs: ms + stepMs, stepMs });
}

/** Tracks a promise's settlement synchronously, for `drive` conditions. */
export function track<T>(p: Promise<T>) {
  const state: { done: boolean; error?: unknown; value?: T } = { done: false };
  p.then(
    (v) => {
      state.done = true;
      state.value = v;
    },
    (e) => {
      state.done = true;
      state.error = e;
    },
  );
  return state;
}

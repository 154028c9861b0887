// Admission control at the edge: a cap on requests being written to the bus at once (overload → 503
// with Retry-After, so clients back off instead of piling up memory) and an optional per-project
// token bucket (→ 429 with Retry-After). Both answer before any body work is done.
import { TracerelayError } from "../../lib/errors.ts";

export class Admission {
  private inflight = 0;
  private readonly maxInflight: number;
  private readonly ratePerSec: number;
  private readonly buckets = new Map<string, { tokens: number; at: number }>();
  private readonly now: () => number;

  constructor(opts: { maxInflight: number; ratePerProjectPerSec: number; now?: () => number }) {
    this.maxInflight = opts.maxInflight;
    this.ratePerSec = opts.ratePerProjectPerSec;
    this.now = opts.now ?? Date.now;
  }

  get inFlight(): number {
    return this.inflight;
  }

  /** Takes a slot or throws TR_OVERLOADED / TR_RATE_LIMITED. Call `release()` exactly once after. */
  admit(projectId: string): void {
    if (this.inflight >= this.maxInflight) {
      throw new TracerelayError("TR_OVERLOADED", `${this.inflight} ingest requests in flight (limit ${this.maxInflight}); retry shortly`, { retryAfterSec: 1 });
    }
    if (this.ratePerSec > 0) this.takeToken(projectId);
    this.inflight++;
  }

  release(): void {
    this.inflight--;
  }

  private takeToken(projectId: string): void {
    const now = this.now();
    const burst = this.ratePerSec * 2;
    const b = this.buckets.get(projectId) ?? { tokens: burst, at: now };
    b.tokens = Math.min(burst, b.tokens + ((now - b.at) / 1000) * this.ratePerSec);
    b.at = now;
    this.buckets.set(projectId, b);
    if (b.tokens < 1) {
      const wait = Math.ceil((1 - b.tokens) / this.ratePerSec);
      throw new TracerelayError("TR_RATE_LIMITED", `project ${projectId} is over ${this.ratePerSec} ingest requests/s`, { retryAfterSec: wait });
    }
    b.tokens -= 1;
  }
}

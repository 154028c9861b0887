// A bounded HTTP load sender: keeps `concurrency` requests in flight (closed loop) or paces them to
// `ratePerSec` requests per second (open loop, for latency at a given load), for `durationMs`.
// Records every request's latency and status; stops by itself. Targets loopback only.
import { Agent, request } from "node:http";

export interface LoadOptions {
  url: string;
  headers: Record<string, string>;
  next: (seq: number) => { body: Buffer; spans: number };
  concurrency: number;
  durationMs: number;
  /** Requests per second; omitted = as fast as `concurrency` allows. */
  ratePerSec?: number;
}

export interface LoadResult {
  requests: number;
  ok: number;
  failed: number;
  statuses: Record<string, number>;
  spansAcked: number;
  bytesSent: number;
  elapsedMs: number;
  /** Latency of successful requests, ms, sorted ascending. */
  latencies: number[];
}

export function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return Number.NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
}

export async function runLoad(o: LoadOptions): Promise<LoadResult> {
  const target = new URL(o.url);
  if (!["127.0.0.1", "localhost", "::1", "[::1]"].includes(target.hostname)) throw new Error(`load tests target loopback only, not ${target.hostname}`);
  const agent = new Agent({ keepAlive: true, maxSockets: o.concurrency });
  const result: LoadResult = { requests: 0, ok: 0, failed: 0, statuses: {}, spansAcked: 0, bytesSent: 0, elapsedMs: 0, latencies: [] };
  const started = performance.now();
  const deadline = started + o.durationMs;
  let seq = 1;
  let inflight = 0;

  const sendOne = () =>
    new Promise<void>((resolve) => {
      const { body, spans } = o.next(seq++);
      const t0 = performance.now();
      inflight++;
      result.requests++;
      result.bytesSent += body.length;
      const req = request(
        { host: target.hostname, port: target.port, path: target.pathname, method: "POST", agent, headers: { ...o.headers, "content-length": body.length } },
        (res) => {
          res.resume();
          res.on("end", () => {
            const status = String(res.statusCode);
            result.statuses[status] = (result.statuses[status] ?? 0) + 1;
            if (res.statusCode && res.statusCode < 300) {
              result.ok++;
              result.spansAcked += spans;
              result.latencies.push(performance.now() - t0);
            } else result.failed++;
            inflight--;
            resolve();
          });
        },
      );
      req.on("error", () => {
        result.failed++;
        result.statuses.error = (result.statuses.error ?? 0) + 1;
        inflight--;
        resolve();
      });
      req.end(body);
    });

  if (o.ratePerSec === undefined) {
    const worker = async () => {
      while (performance.now() < deadline) await sendOne();
    };
    await Promise.all(Array.from({ length: o.concurrency }, worker));
  } else {
    const interval = 1000 / o.ratePerSec;
    const pending: Promise<void>[] = [];
    for (let next = started; next < deadline; next += interval) {
      const wait = next - performance.now();
      if (wait > 0) await new Promise((r) => setTimeout(r, wait));
      if (inflight >= o.concurrency) continue; // offered load beyond the cap is skipped, not queued
      pending.push(sendOne());
    }
    await Promise.all(pending);
  }
  result.elapsedMs = performance.now() - started;
  result.latencies.sort((a, b) => a - b);
  agent.destroy();
  return result;
}

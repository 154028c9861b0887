// A pool of router worker threads (worker.ts). `route(rules, batch)` splits the batch into contiguous
// slices, one per worker, and merges the answers in slice order, so every destination gets the
// records in the batch's order (per trace: the bus key order is kept). Same output as routeBatch on
// the main thread; metrics are recorded here from the decisions the workers send back.
import { Worker } from "node:worker_threads";
import type { BusRecord, ProduceMessage } from "../../lib/bus/types.ts";
import type { RulesMetrics } from "../../rules/metrics.ts";
import type { CompiledRules } from "../../rules/types.ts";
import type { WorkerRequest, WorkerResponse } from "./worker.ts";

/** Below this many records a batch is routed on the main thread: the hand-off would cost more. */
const MIN_PARALLEL_BATCH = 64;

export class RouterWorkers {
  private readonly workers: Worker[];
  private readonly waiting = new Map<number, { resolve: (r: WorkerResponse) => void; reject: (e: Error) => void }>();
  private readonly rulesIds = new WeakMap<CompiledRules, number>();
  private nextId = 1;
  private nextRulesId = 1;

  constructor(size: number) {
    this.workers = Array.from({ length: size }, () => {
      const w = new Worker(new URL("./worker.ts", import.meta.url));
      w.on("message", (r: WorkerResponse) => {
        const p = this.waiting.get(r.id);
        if (!p) return;
        this.waiting.delete(r.id);
        if (r.error) p.reject(new Error(`router worker: ${r.error}`));
        else p.resolve(r);
      });
      w.on("error", (err) => {
        for (const p of this.waiting.values()) p.reject(err);
        this.waiting.clear();
      });
      w.unref();
      return w;
    });
  }

  get size(): number {
    return this.workers.length;
  }

  /** Whether `route` should be used for this batch (else route it inline). */
  worthIt(rules: CompiledRules, batchSize: number): boolean {
    return this.workers.length > 0 && !rules.tail && batchSize >= MIN_PARALLEL_BATCH;
  }

  async route(rules: CompiledRules, batch: readonly BusRecord[], out: Map<string, ProduceMessage[]>, metrics?: RulesMetrics): Promise<{ unparsable: number }> {
    let rulesId = this.rulesIds.get(rules);
    if (rulesId === undefined) {
      rulesId = this.nextRulesId++;
      this.rulesIds.set(rules, rulesId);
    }
    const n = this.workers.length;
    const size = Math.ceil(batch.length / n);
    const slices = Array.from({ length: n }, (_, i) => batch.slice(i * size, (i + 1) * size)).filter((s) => s.length > 0);
    const answers = await Promise.all(
      slices.map((slice, i) => {
        const id = this.nextId++;
        const req: WorkerRequest = {
          id,
          rulesId: rulesId!,
          doc: rules.doc,
          destinations: [...rules.destinations],
          records: slice.map((r) => ({ key: r.key, value: r.value, headers: r.headers })),
        };
        return new Promise<WorkerResponse>((resolve, reject) => {
          this.waiting.set(id, { resolve, reject });
          this.workers[i].postMessage(req);
        });
      }),
    );
    let unparsable = 0;
    answers.forEach((answer, i) => {
      const slice = slices[i];
      for (const [dest, messages] of answer.out) {
        let list = out.get(dest);
        if (!list) out.set(dest, (list = []));
        for (const m of messages) list.push(typeof m === "number" ? { key: slice[m].key, value: slice[m].value, headers: slice[m].headers } : m);
      }
      if (metrics) for (const d of answer.decisions) metrics.record(d);
      unparsable += answer.unparsable;
    });
    return { unparsable };
  }

  async close(): Promise<void> {
    await Promise.all(this.workers.map((w) => w.terminate()));
  }
}

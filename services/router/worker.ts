// A router worker thread: applies the rules to a slice of a batch (parse → sample → redact → route →
// transform → serialise), the CPU-heavy part of routing, so one router uses more than one core. The
// main thread keeps the bus, the order of records and the tail sampler (workers run only rule sets
// without tail sampling; see workers.ts). A destination that receives a record unchanged gets the
// record's own bytes: the worker answers with the record's index instead of copying them back.
import { parentPort } from "node:worker_threads";
import type { BusRecord, ProduceMessage } from "../../lib/bus/types.ts";
import { compileRules } from "../../rules/compile.ts";
import type { CompiledRules, Decisions } from "../../rules/types.ts";
import { routeBatch } from "./index.ts";

export interface WorkerRequest {
  id: number;
  rulesId: number;
  doc: unknown;
  destinations: string[];
  records: Array<{ key: string; value: Uint8Array; headers: Record<string, string> }>;
}

/** A produced message: the index of an unchanged record, or a new value with the record's key and headers. */
export type WorkerMessage = number | { key: string; value: string; headers: Record<string, string> };

export interface WorkerResponse {
  id: number;
  out: Array<[string, WorkerMessage[]]>;
  decisions: Decisions[];
  unparsable: number;
  error?: string;
}

let compiled: { id: number; rules: CompiledRules } | undefined;

function handle(req: WorkerRequest): WorkerResponse {
  if (compiled?.id !== req.rulesId) compiled = { id: req.rulesId, rules: compileRules(req.doc, { destinations: req.destinations }) };
  const records: BusRecord[] = req.records.map((r, i) => ({
    topic: "spans",
    partition: 0,
    offset: i,
    key: r.key,
    value: Buffer.from(r.value.buffer, r.value.byteOffset, r.value.byteLength),
    timestamp: 0,
    headers: r.headers,
  }));
  const unchanged = new Map<unknown, number>(records.map((r, i) => [r.value, i]));
  const decisions: Decisions[] = [];
  let unparsable = 0;
  const out = new Map<string, ProduceMessage[]>();
  routeBatch(compiled.rules, records, null, out, {
    onDecision: (_r, _span, d) => {
      decisions.push(d);
    },
    onUnparsable: () => {
      unparsable++;
    },
  });
  return {
    id: req.id,
    out: [...out].map(([dest, messages]) => [
      dest,
      messages.map((m): WorkerMessage => unchanged.get(m.value) ?? { key: m.key, value: String(m.value), headers: m.headers ?? {} }),
    ]),
    decisions,
    unparsable,
  };
}

parentPort?.on("message", (req: WorkerRequest) => {
  try {
    parentPort?.postMessage(handle(req));
  } catch (err) {
    parentPort?.postMessage({ id: req.id, out: [], decisions: [], unparsable: 0, error: (err as Error).message } satisfies WorkerResponse);
  }
});

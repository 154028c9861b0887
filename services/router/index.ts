// The router role: consumes `spans` and hands each record to the `deliver.<destination>` topic of
// every destination it should reach, after the rules (rules/engine.ts: sample → redact → route →
// transform). The batch is committed only after the forward is durable, so a crash re-routes rather
// than loses.
//
// - No rules configured (or a rule set that only routes statically, e.g. a `default_route` alone): the
//   fast path — records are forwarded as they are (no parse, no re-serialisation) to the destinations.
// - With rules: each record's span is parsed and the rules applied; each destination gets the span
//   JSON it may see (the ORIGINAL bytes where nothing changed it, else its redacted/transformed copy,
//   serialised once per distinct copy). Headers (notably `piece`) are kept: pieces are processed one by
//   one, each as a span (see rules/engine.ts for why decisions stay consistent per trace).
// - Hot reload: the rule set is read ONCE per batch from the RulesHolder (an atomic reference swap), so
//   every span is processed by one complete rule set.
// - A batch is routed in slices of ~10 ms with the event loop given back in between, so rules that
//   cost 100+ ms per batch do not hold up the other roles of the process (ingest's acknowledgements).
// - Tail sampling (a sampling rule reads `trace.*`): records wait in a TailSampler until their trace is
//   quiet, then are produced with the trace's decision. KNOWN GAP: a buffered record's offset is
//   committed when its batch completes, so a crash (not a clean stop: stop() flushes) loses at most
//   the traces buffered at that moment (`tail.decision_wait_ms` worth of traffic).
// - A record whose value is not JSON cannot be evaluated: it is forwarded unchanged to `store` (if
//   configured) and counted, never silently dropped.
import { setImmediate as yieldToEventLoop } from "node:timers/promises";
import { type Bus, type BusRecord, type Consumer, type ProduceMessage, TOPICS } from "../../lib/bus/types.ts";
import type { SpanPiece } from "../../lib/span/envelope.ts";
import type { CanonicalSpan } from "../../lib/span/types.ts";
import type { Logger } from "../../lib/telemetry/logger.ts";
import { applyRules, staticRoute } from "../../rules/engine.ts";
import type { RulesMetrics } from "../../rules/metrics.ts";
import type { RulesHolder } from "../../rules/runtime.ts";
import { type Clock, systemClock, TailSampler } from "../../rules/stages/sample.ts";
import { PIECE_HEADER } from "../ingest/publish.ts";
import type { CompiledRules, SampleDecision } from "../../rules/types.ts";

export interface RouterOptions {
  bus: Bus;
  destinations: string[];
  logger: Logger;
  group?: string;
  /** The live rules; absent or holding null = forward everything raw. */
  rules?: RulesHolder;
  metrics?: RulesMetrics;
  /** Tail sampling clock and poll interval (tests). */
  clock?: Clock;
  tailPollMs?: number;
  /** One decision in N is logged at debug level (ids and rule names only). Default 1000. */
  decisionLogEvery?: number;
}

/** The longest the router holds the event loop while it applies rules to a batch (ms). */
const SLICE_MS = 10;

/**
 * Routes one batch, from its record `from` on, until the clock passes `until` (ms, performance.now())
 * after a record; returns the index of the first record not routed (batch.length: all of it). Pure
 * apart from the tail sampler state. Exported for benchmarks and tests.
 */
export function routeBatch(
  rules: CompiledRules,
  batch: readonly BusRecord[],
  tail: TailSampler<BusRecord> | null,
  out: Map<string, ProduceMessage[]>,
  hooks: { metrics?: RulesMetrics; onDecision?: (r: BusRecord, span: CanonicalSpan, d: ReturnType<typeof applyRules>["decisions"]) => void; onUnparsable?: (r: BusRecord) => void } = {},
  slice: { from?: number; until?: number } = {},
): number {
  const { from = 0, until } = slice;
  for (let i = from; i < batch.length; i++) {
    if (until !== undefined && i > from && performance.now() >= until) return i; // at least one record per call
    const r = batch[i];
    let span: CanonicalSpan;
    try {
      span = JSON.parse(r.value.toString("utf8")) as CanonicalSpan;
      if (span === null || typeof span !== "object" || typeof span.trace_id !== "string") throw new Error("not a span");
    } catch {
      hooks.onUnparsable?.(r);
      if (rules.destinations.includes("store")) push(out, "store", { key: r.key, value: r.value, headers: r.headers });
      continue;
    }
    if (tail && rules.tail) {
      for (const rel of tail.add(span, r, r.value.length, pieceFields(r))) emitRelease(rules, rel.items, rel.decision, out, hooks);
    } else emit(rules, r, span, undefined, out, hooks);
  }
  return batch.length;
}

export function emitRelease(rules: CompiledRules, items: ReadonlyArray<{ span: CanonicalSpan; payload: BusRecord }>, decision: SampleDecision, out: Map<string, ProduceMessage[]>, hooks: Parameters<typeof routeBatch>[4] = {}): void {
  for (const it of items) emit(rules, it.payload, it.span, decision, out, hooks);
}

function emit(rules: CompiledRules, r: BusRecord, span: CanonicalSpan, sample: SampleDecision | undefined, out: Map<string, ProduceMessage[]>, hooks: Parameters<typeof routeBatch>[4] = {}): void {
  const result = applyRules(rules, span, { sample });
  hooks.metrics?.record(result.decisions);
  hooks.onDecision?.(r, span, result.decisions);
  let serialised: Map<CanonicalSpan, string> | undefined;
  for (const [dest, s] of result.perDestination) {
    let value: Buffer | string;
    if (s === span) value = r.value;
    else {
      serialised ??= new Map();
      let text = serialised.get(s);
      if (text === undefined) {
        text = JSON.stringify(s);
        serialised.set(s, text);
      }
      value = text;
    }
    push(out, dest, { key: r.key, value, headers: r.headers });
  }
}

function push(out: Map<string, ProduceMessage[]>, dest: string, m: ProduceMessage): void {
  let list = out.get(dest);
  if (!list) {
    list = [];
    out.set(dest, list);
  }
  list.push(m);
}

function pieceFields(r: BusRecord): string[] | undefined {
  const raw = r.headers[PIECE_HEADER];
  if (!raw) return undefined;
  try {
    return (JSON.parse(raw) as SpanPiece).fields as string[];
  } catch {
    return undefined;
  }
}

export async function startRouter(opts: RouterOptions): Promise<Consumer> {
  const { bus, destinations, logger } = opts;
  await bus.ensureTopics([{ name: TOPICS.spans }, ...destinations.map((d) => ({ name: TOPICS.deliver(d) }))]);
  logger.info({ destinations, rules: opts.rules?.get() ? "on" : "off" }, "router started");
  const holder = opts.rules;
  const clock = opts.clock ?? systemClock;
  const every = opts.decisionLogEvery ?? 1000;
  let seen = 0;
  const hooks: Parameters<typeof routeBatch>[4] = {
    metrics: opts.metrics,
    onDecision: (r, span, d) => {
      if (++seen % every === 0 && logger.isLevelEnabled?.("debug")) {
        logger.debug({ trace_id: span.trace_id, span_id: span.span_id, piece: r.headers[PIECE_HEADER] !== undefined, sample: d.sample, routes: d.routes, default_route: d.defaultRoute, redactions: d.redactions, transforms: d.transforms }, "rules decision (sample)");
      }
    },
    onUnparsable: (r) => logger.warn({ topic: r.topic, partition: r.partition, offset: r.offset }, "span record is not JSON; forwarded unchanged to store only"),
  };

  // Tail sampling state: created lazily; the rules getter always reads the CURRENT set.
  let tail: TailSampler<BusRecord> | null = null;
  const currentRules = () => holder?.get() ?? null;
  const produceAll = async (out: Map<string, ProduceMessage[]>) => {
    await Promise.all([...out].map(([d, messages]) => (messages.length ? bus.produce(TOPICS.deliver(d), messages) : undefined)));
  };
  let tailChain: Promise<void> = Promise.resolve();
  let routing: Promise<void> = Promise.resolve(); // the batch being routed, if any (see the handler)
  const releaseTail = (kind: "poll" | "flush") => {
    tailChain = tailChain.then(async () => {
      const rules = currentRules();
      if (!tail || !rules) return;
      const released = kind === "poll" ? tail.poll() : tail.flush();
      if (released.length === 0) return;
      const out = new Map<string, ProduceMessage[]>();
      const t0 = performance.now();
      for (const rel of released) {
        opts.metrics?.tailDecisions.inc({ reason: rel.reason }, 1);
        emitRelease(rules, rel.items, rel.decision, out, hooks);
      }
      opts.metrics?.seconds.inc((performance.now() - t0) / 1000);
      opts.metrics?.tailBuffered.set(tail.buffered.spans);
      await produceAll(out).catch((err) => logger.error({ err }, "tail release could not be produced"));
    });
    return tailChain;
  };
  const timer = setInterval(() => void releaseTail("poll"), opts.tailPollMs ?? 500);
  timer.unref();

  const consumer = await bus.consume({
    group: opts.group ?? "router",
    topics: [TOPICS.spans],
    maxBatch: 1000,
    handler: async (batch) => {
      const rules = currentRules(); // one snapshot per batch: never a half-loaded rule set
      const fixed = rules ? staticRoute(rules) : destinations;
      if (!rules || fixed) {
        if (tail && tail.buffered.spans > 0) await releaseTail("flush"); // rules no longer tail: release what waits
        const messages = batch.map((r) => ({ key: r.key, value: r.value, headers: r.headers }));
        await Promise.all((fixed ?? destinations).map((d) => bus.produce(TOPICS.deliver(d), messages)));
        return;
      }
      if (rules.tail) tail ??= new TailSampler<BusRecord>(currentRules as () => CompiledRules, clock);
      else if (tail && tail.buffered.spans > 0) await releaseTail("flush");
      const out = new Map<string, ProduceMessage[]>();
      // In slices of SLICE_MS, giving the event loop back in between: a batch of PII-heavy spans takes
      // 100+ ms of rules, which in one process would hold up ingest's acknowledgements as long. One
      // partition's batch at a time: slices of two batches would otherwise run back to back.
      const routed = routing.then(async () => {
        let busy = 0;
        for (let i = 0; i < batch.length; ) {
          const t0 = performance.now();
          i = routeBatch(rules, batch, rules.tail ? tail : null, out, hooks, { from: i, until: t0 + SLICE_MS });
          busy += performance.now() - t0;
          if (i < batch.length) await yieldToEventLoop();
        }
        opts.metrics?.seconds.inc(busy / 1000);
      });
      routing = routed.catch(() => undefined);
      await routed;
      if (tail) opts.metrics?.tailBuffered.set(tail.buffered.spans);
      await produceAll(out);
    },
  });
  return {
    stop: async () => {
      await consumer.stop();
      clearInterval(timer);
      await releaseTail("flush");
    },
  };
}

// A destination of any type (the built-in store included) behind the shared delivery helper: bus
// records → canonical spans → createDelivery (batching, breaker, retries, dead letters). Records a
// replay produced carry the letter they came from; the dead-letter sink learns it here, so a span that
// fails again returns to the DLQ with its history. A record's `piece` header is attached to its span
// (the store folds pieces; other destinations send each piece as the span it is).
import { type DeadLetterSink, createDelivery } from "../../destinations/_delivery/index.ts";
import { DESTINATION_MODULES } from "../../destinations/index.ts";
import type { AdapterEnv } from "../../destinations/module.ts";
import { attachPiece, type SpanPiece } from "../../lib/span/envelope.ts";
import { PIECE_HEADER, SPAN_ID_HEADER } from "../ingest/publish.ts";
import type { BusRecord } from "../../lib/bus/types.ts";
import { REPLAY_OF_HEADER } from "../../lib/dlq/letter.ts";
import { lazySpanFromBytes, parseSpanBytes, parseSpanJson } from "../../lib/span/json.ts";
import type { CanonicalSpan } from "../../lib/span/types.ts";
import type { Logger } from "../../lib/telemetry/logger.ts";
import type { Registry } from "prom-client";
import type { DeliveryTarget } from "./index.ts";

export interface TargetDeps {
  registry: Registry;
  deadLetters: DeadLetterSink & { replayOf: WeakMap<CanonicalSpan, string> };
  logger: Logger;
  /** What the destination's adapter needs from the role (the store: its span writer). */
  env?: AdapterEnv;
}

export function destinationTarget(name: string, block: { type: string; [key: string]: unknown }, deps: TargetDeps): DeliveryTarget {
  const module = DESTINATION_MODULES[block.type];
  if (!module) throw new Error(`destination "${name}": unknown type "${block.type}"`);
  const { type: _type, ...raw } = block;
  const config = module.parseConfig(raw);
  const delivery = createDelivery(module.adapter(name, config, deps.env), config.delivery, { registry: deps.registry, deadLetters: deps.deadLetters, logger: deps.logger });
  return {
    name,
    type: block.type,
    async deliver(batch: BusRecord[]) {
      const spans = batch.map((r) => {
        const letter = r.headers[REPLAY_OF_HEADER];
        const piece = r.headers[PIECE_HEADER];
        if (!letter && !piece) return spanOfRecord(r);
        // shared with other destinations reading the same buffer, unless the letter is keyed by it
        const span = letter ? parseSpanJson(r.value.toString("utf8")) : parseSpanBytes(r.value);
        if (letter) deps.deadLetters.replayOf.set(span, letter);
        if (piece) attachPiece(span, JSON.parse(piece) as SpanPiece);
        return span;
      });
      await delivery.deliver(spans);
    },
    stats: () => delivery.stats(),
    onBreakerChange: (listener) => delivery.onBreakerChange(() => listener()),
    close: (graceMs) => delivery.close({ graceMs }),
  };
}

/** A whole span: parsed only if the destination reads more than its identity (records the publisher labelled). */
function spanOfRecord(r: BusRecord): CanonicalSpan {
  const spanId = r.headers[SPAN_ID_HEADER];
  const project = r.headers.project;
  if (spanId === undefined || project === undefined) return parseSpanBytes(r.value); // written before the label existed
  return lazySpanFromBytes(r.value, { trace_id: r.key, span_id: spanId, project_id: project });
}

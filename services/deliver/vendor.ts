// A destination that goes through the shared delivery helper (every type but the built-in store):
// bus records → canonical spans → createDelivery (batching, breaker, retries, dead letters). Records a
// replay produced carry the letter they came from; the dead-letter sink learns it here, so a span that
// fails again returns to the DLQ with its history.
import { type DeadLetterSink, createDelivery } from "../../destinations/_delivery/index.ts";
import { DESTINATION_MODULES } from "../../destinations/index.ts";
import type { BusRecord } from "../../lib/bus/types.ts";
import { REPLAY_OF_HEADER } from "../../lib/dlq/letter.ts";
import { parseSpanBytes, parseSpanJson } from "../../lib/span/json.ts";
import type { CanonicalSpan } from "../../lib/span/types.ts";
import type { Logger } from "../../lib/telemetry/logger.ts";
import type { Registry } from "prom-client";
import type { DeliveryTarget } from "./index.ts";

export interface VendorTargetDeps {
  registry: Registry;
  deadLetters: DeadLetterSink & { replayOf: WeakMap<CanonicalSpan, string> };
  logger: Logger;
}

export function vendorTarget(name: string, block: { type: string; [key: string]: unknown }, deps: VendorTargetDeps): DeliveryTarget {
  const module = DESTINATION_MODULES[block.type];
  if (!module) throw new Error(`destination "${name}": unknown type "${block.type}"`);
  const { type: _type, ...raw } = block;
  const config = module.parseConfig(raw);
  const delivery = createDelivery(module.adapter(name, config), config.delivery, { registry: deps.registry, deadLetters: deps.deadLetters, logger: deps.logger });
  return {
    name,
    type: block.type,
    async deliver(batch: BusRecord[]) {
      const spans = batch.map((r) => {
        const letter = r.headers[REPLAY_OF_HEADER];
        if (!letter) return parseSpanBytes(r.value); // shared with other destinations reading the same buffer
        const span = parseSpanJson(r.value.toString("utf8")); // its own object: the letter is keyed by it
        deps.deadLetters.replayOf.set(span, letter);
        return span;
      });
      await delivery.deliver(spans);
    },
    stats: () => delivery.stats(),
    onBreakerChange: (listener) => delivery.onBreakerChange(() => listener()),
    close: (graceMs) => delivery.close({ graceMs }),
  };
}

// The built-in ClickHouse store as a destination like any other: it consumes `deliver.store`, folds
// pieces of one span together and writes spans idempotently (see lib/store/span-writer.ts).
import type { BusRecord } from "../../lib/bus/types.ts";
import type { SpanEnvelope } from "../../lib/span/envelope.ts";
import type { SpanWriter } from "../../lib/store/span-writer.ts";
import type { Metrics } from "../../lib/telemetry/metrics.ts";

export function storeDestination(writer: SpanWriter, metrics: Metrics) {
  return {
    name: "store",
    async deliver(batch: BusRecord[]): Promise<void> {
      const envelopes = batch.map((r) => JSON.parse(r.value.toString("utf8")) as SpanEnvelope);
      const end = metrics.storeInsertSeconds.startTimer();
      await writer.write(envelopes);
      end();
      metrics.storeSpansWritten.inc(envelopes.length);
    },
  };
}

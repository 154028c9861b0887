// The built-in ClickHouse store as a destination like any other. It consumes `deliver.<name>` records
// whose value is a canonical span's JSON: complete spans go to the engine as they are (no parse, no
// re-encode); pieces (a `piece` header) are folded into one span first (lib/store/span-writer.ts).
// The bus boundary validated every span, but a batch the engine refuses is not retried blindly for
// ever: each record is re-validated, the invalid ones are logged and counted (never with their
// content), and the rest is written.
import type { BusRecord } from "../../lib/bus/types.ts";
import type { SpanEnvelope, SpanPiece } from "../../lib/span/envelope.ts";
import type { CanonicalSpan } from "../../lib/span/types.ts";
import { validateSpan } from "../../lib/span/validate.ts";
import type { RawSpanLine, SpanWriter } from "../../lib/store/span-writer.ts";
import type { Logger } from "../../lib/telemetry/logger.ts";
import type { Metrics } from "../../lib/telemetry/metrics.ts";
import { PIECE_HEADER } from "../../services/ingest/publish.ts";

export function storeDestination(name: string, writer: SpanWriter, metrics: Metrics, logger: Logger) {
  const toItem = (r: BusRecord): SpanEnvelope | RawSpanLine => {
    const piece = r.headers[PIECE_HEADER];
    // No copy: the record's bytes stay valid while the handler runs, and the writer copies them once
    // into the insert payload (joinLines) before `write` resolves.
    if (!piece) return { raw: r.value };
    return { span: JSON.parse(r.value.toString("utf8")) as CanonicalSpan, piece: JSON.parse(piece) as SpanPiece };
  };

  const totals = { delivered: 0, failedRequests: 0, retried: 0, deadLettered: 0 };
  let lastError: { message: string; code: string; at: string } | undefined;
  const write = async (items: Array<SpanEnvelope | RawSpanLine>) => {
    try {
      await writer.write(items);
    } catch (err) {
      totals.failedRequests++;
      lastError = { message: (err as Error).message, code: (err as { code?: string }).code ?? "TR_STORE", at: new Date().toISOString() };
      throw err;
    }
  };
  return {
    name,
    type: "store",
    async deliver(batch: BusRecord[]): Promise<void> {
      const end = metrics.storeInsertSeconds.startTimer();
      try {
        await write(batch.map(toItem));
      } catch (err) {
        const { valid, rejected } = sortOut(batch);
        if (rejected === 0) throw err; // nothing wrong with the data: a transient failure, retry the batch
        logger.error({ destination: name, rejected, of: batch.length }, "store refused a batch; writing it without the invalid records");
        metrics.spansReceived.inc({ source: "store", outcome: "invalid_on_bus" }, rejected);
        await write(valid.map(toItem));
      }
      end();
      totals.delivered += batch.length;
      metrics.storeSpansWritten.inc(batch.length);
    },
    // The store has no breaker: a failing insert holds the consumer (the spans wait on the bus).
    stats: () => ({ ...totals, breaker: "closed" as const, lastError }),
  };
}

function sortOut(batch: BusRecord[]): { valid: BusRecord[]; rejected: number } {
  const valid: BusRecord[] = [];
  for (const r of batch) {
    try {
      if (validateSpan(JSON.parse(r.value.toString("utf8"))).ok) valid.push(r);
    } catch {
      // not JSON: invalid
    }
  }
  return { valid, rejected: batch.length - valid.length };
}

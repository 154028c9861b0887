// Puts envelopes on the `spans` topic, keyed by trace_id so a trace stays in order on one partition
// (and, on Kafka, on one router). Resolves only when the bus says they are durable: the caller
// acknowledges the HTTP request after that and never before.
import { type Bus, BusUnavailableError, TOPICS } from "../../lib/bus/types.ts";
import { TracerelayError } from "../../lib/errors.ts";
import type { SpanEnvelope } from "../../lib/span/envelope.ts";

export async function publishEnvelopes(bus: Bus, envelopes: SpanEnvelope[]): Promise<void> {
  if (envelopes.length === 0) return;
  const messages = envelopes.map((e) => ({
    key: e.span.trace_id,
    value: JSON.stringify(e),
    headers: { project: e.span.project_id, source: e.span.source.format },
  }));
  try {
    await bus.produce(TOPICS.spans, messages);
  } catch (err) {
    if (err instanceof BusUnavailableError || (err as { code?: string }).code === "TR_BUS_UNAVAILABLE") {
      throw new TracerelayError("TR_BUS_UNAVAILABLE", `spans not accepted: ${(err as Error).message}`, { retryAfterSec: 2, cause: err });
    }
    throw err;
  }
}

// Puts spans on the `spans` topic — the bus boundary. Every span is validated against the canonical
// schema here (ajv); an invalid one is returned with the JSON path of the fault and never reaches the
// bus. The record value IS the canonical span's JSON (so the store can insert it without parsing);
// a piece marker travels in the `piece` header. Records are keyed by trace_id so a trace stays in order
// on one partition (and, on Kafka, on one router). Resolves only once the bus says the records are
// durable: the caller acknowledges the HTTP request after that, never before.
import { type Bus, BusUnavailableError, TOPICS } from "../../lib/bus/types.ts";
import { TracerelayError } from "../../lib/errors.ts";
import type { SpanEnvelope } from "../../lib/span/envelope.ts";
import { validateSpan } from "../../lib/span/validate.ts";

export const PIECE_HEADER = "piece";
export const SPAN_ID_HEADER = "span_id";

export interface InvalidSpan {
  /** Index into the envelopes given to publishEnvelopes. */
  index: number;
  spanId: string | undefined;
  errors: string[];
}

export async function publishEnvelopes(bus: Bus, envelopes: readonly SpanEnvelope[]): Promise<{ published: number; invalid: InvalidSpan[] }> {
  const invalid: InvalidSpan[] = [];
  const messages = [];
  for (let i = 0; i < envelopes.length; i++) {
    const { span, piece } = envelopes[i];
    const verdict = validateSpan(span);
    if (!verdict.ok) {
      invalid.push({ index: i, spanId: typeof span?.span_id === "string" ? span.span_id : undefined, errors: verdict.errors });
      continue;
    }
    // project and span_id (with the key, the trace id) let deliverers work on the record unparsed.
    const headers: Record<string, string> = { project: span.project_id, [SPAN_ID_HEADER]: span.span_id, source: span.source.format };
    if (piece) headers[PIECE_HEADER] = JSON.stringify(piece);
    messages.push({ key: span.trace_id, value: JSON.stringify(span), headers });
  }
  if (messages.length === 0) return { published: 0, invalid };
  try {
    await bus.produce(TOPICS.spans, messages);
  } catch (err) {
    if (err instanceof BusUnavailableError || (err as { code?: string }).code === "TR_BUS_UNAVAILABLE") {
      throw new TracerelayError("TR_BUS_UNAVAILABLE", `spans not accepted: ${(err as Error).message}`, { retryAfterSec: 2, cause: err });
    }
    throw err;
  }
  return { published: messages.length, invalid };
}

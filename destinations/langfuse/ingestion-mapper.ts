// Ingestion mode mapper (pure): canonical spans → `POST /api/public/ingestion` batches.
//   {"batch":[{"id":<event id>,"type":"trace-create"|"<type>-create","timestamp":<span start>,"body":{…}}]}
// A root span gives a trace-create (trace fields) AND its observation; every other span one observation
// (`generation-create`, `span-create`, `event-create`, and the server-only agent/tool/chain/retriever/
// evaluator/embedding/guardrail-create). Field names: observation.ts.
//
// Event ids are derived from the span ("<trace_id>:<span_id>:<entity>" hashed into a UUID), so a retry,
// a bus redelivery or a replay carries the same ids and Langfuse overwrites instead of duplicating
// (NOTES.md §2.6: the event id names the stored file). The envelope timestamp is the span's start, not
// the wall clock, for the same reason.
//
// Events are packed into requests of at most LANGFUSE_MAX_REQUEST_BYTES; each request keeps its event →
// span map so the client can tell the helper which spans a 207 refused.
import { createHash } from "node:crypto";
import type { CanonicalSpan } from "../../lib/span/types.ts";
import { MappingError, spanKey } from "../_delivery/index.ts";
import { LANGFUSE_MAX_REQUEST_BYTES } from "./config.ts";
import { type LangfuseObservation, type LangfuseTrace, langfuseView, type ViewOptions } from "./observation.ts";

export interface IngestionEvent {
  id: string;
  type: string;
  timestamp: string;
  body: LangfuseTrace | Omit<LangfuseObservation, "type">;
}

export interface IngestionChunk {
  /** `{"batch":[…]}` as sent. */
  body: string;
  /** event id → spanKey() of the span it came from. */
  spans: Record<string, string>;
}

export interface IngestionRequest {
  chunks: IngestionChunk[];
  spanCount: number;
}

const ENVELOPE_BYTES = Buffer.byteLength('{"batch":[]}');

/** A name-based UUID (RFC 9562 v8 layout) from the span identity and the entity it describes. */
export function eventId(span: Pick<CanonicalSpan, "trace_id" | "span_id">, entity: "trace" | "observation"): string {
  const h = createHash("sha256").update(`tracerelay:${spanKey(span)}:${entity}`).digest();
  h[6] = (h[6] & 0x0f) | 0x80; // version 8
  h[8] = (h[8] & 0x3f) | 0x80; // RFC variant
  const hex = h.subarray(0, 16).toString("hex");
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

/** The events one span becomes: its trace (root spans) and its observation. */
export function ingestionEvents(span: CanonicalSpan, options: ViewOptions = {}): IngestionEvent[] {
  const view = langfuseView(span, options);
  const events: IngestionEvent[] = [];
  if (view.trace) events.push({ id: eventId(span, "trace"), type: "trace-create", timestamp: span.start_time, body: view.trace });
  if (view.observation) {
    const { type, ...body } = view.observation;
    events.push({ id: eventId(span, "observation"), type: `${type}-create`, timestamp: span.start_time, body });
  }
  return events;
}

export function mapIngestion(spans: CanonicalSpan[], options: ViewOptions = {}, maxRequestBytes = LANGFUSE_MAX_REQUEST_BYTES): IngestionRequest {
  const chunks: IngestionChunk[] = [];
  let texts: string[] = [];
  let spansOf: Record<string, string> = {};
  let bytes = ENVELOPE_BYTES;
  const close = () => {
    if (texts.length) chunks.push({ body: `{"batch":[${texts.join(",")}]}`, spans: spansOf });
    texts = [];
    spansOf = {};
    bytes = ENVELOPE_BYTES;
  };
  for (const span of spans) {
    for (const event of ingestionEvents(span, options)) {
      const text = serialize(event, span);
      const size = Buffer.byteLength(text);
      if (size + ENVELOPE_BYTES > maxRequestBytes) {
        throw new MappingError(`span ${spanKey(span)}: its Langfuse ${event.type} event is ${size} bytes, more than the ${maxRequestBytes} Langfuse accepts per request`);
      }
      if (texts.length && bytes + 1 + size > maxRequestBytes) close();
      bytes += size + (texts.length ? 1 : 0);
      texts.push(text);
      spansOf[event.id] = spanKey(span);
    }
  }
  close();
  return { chunks, spanCount: spans.length };
}

function serialize(event: IngestionEvent, span: CanonicalSpan): string {
  try {
    return JSON.stringify(event);
  } catch (err) {
    // Only a span that is not JSON (a cycle, a BigInt) gets here; the bus boundary normally prevents it.
    throw new MappingError(`span ${spanKey(span)} cannot be encoded as JSON: ${(err as Error).message}`, { cause: err });
  }
}

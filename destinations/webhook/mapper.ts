// Webhook mapper (pure). Payload, one POST per batch:
//   POST <url>
//   Content-Type: application/json
//   Idempotency-Key: <hex sha256 of the batch's sorted "trace_id:span_id" list>
//   { "spans": [ <canonical span v1>, ... ] }
// The key depends only on WHICH spans the batch carries (not their order or content), so a redelivered
// or replayed batch carries the same key and the receiver can drop it. Signing happens in the client,
// per attempt, because the signed timestamp must be fresh (receivers accept ±300 s).
import { spanBytes } from "../../lib/span/json.ts";
import type { CanonicalSpan } from "../../lib/span/types.ts";
import { idempotencyKey, MappingError } from "../_delivery/index.ts";

export { idempotencyKey };

export const IDEMPOTENCY_HEADER = "Idempotency-Key";

export interface WebhookRequest {
  /** UTF-8 JSON. */
  body: Buffer;
  idempotencyKey: string;
  spanCount: number;
}


const OPEN = Buffer.from('{"spans":[');
const COMMA = Buffer.from(",");
const CLOSE = Buffer.from("]}");

export function mapWebhook(spans: CanonicalSpan[]): WebhookRequest {
  let body: Buffer;
  try {
    // The same bytes as JSON.stringify({ spans }), from each span's remembered JSON (lib/span/json.ts):
    // one copy of the records' bytes, no string building, no re-encoding for the HMAC and the socket.
    const parts: Buffer[] = [OPEN];
    spans.forEach((span, i) => {
      if (i > 0) parts.push(COMMA);
      parts.push(spanBytes(span));
    });
    parts.push(CLOSE);
    body = Buffer.concat(parts);
  } catch (err) {
    // Only a span that is not JSON (a cycle, a BigInt) gets here; the bus boundary normally prevents it.
    throw new MappingError(`span cannot be encoded as JSON: ${(err as Error).message}`, { cause: err });
  }
  return { body, idempotencyKey: idempotencyKey(spans), spanCount: spans.length };
}

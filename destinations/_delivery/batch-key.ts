// A batch's idempotency key: hex SHA-256 of its sorted "trace_id:span_id" list. It depends only on
// WHICH spans a request carries (not their order or content), so a redelivered, retried or replayed
// batch carries the same key and the receiver (or its logs) can recognise it.
import { createHash } from "node:crypto";
import type { CanonicalSpan } from "../../lib/span/types.ts";

export function idempotencyKey(spans: readonly Pick<CanonicalSpan, "trace_id" | "span_id">[]): string {
  const ids = spans.map((s) => `${s.trace_id}:${s.span_id}`).sort();
  return createHash("sha256").update(ids.join("\n")).digest("hex");
}

// What the dead-letter tests share: polling the API until a condition holds, the letter shapes the
// deliveries API answers with, and the span ids a webhook receiver accepted.
import type { ReceivedRequest } from "../../destinations/_testkit/contract-server.ts";

/** Reads until `ok` holds; fails with the last value after `timeoutMs`. */
export async function poll<T>(what: string, read: () => Promise<T>, ok: (v: T) => boolean, timeoutMs = 30_000): Promise<T> {
  const end = Date.now() + timeoutMs;
  let last: T = await read();
  while (!ok(last)) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}; last: ${JSON.stringify(last).slice(0, 800)}`);
    await new Promise((r) => setTimeout(r, 250));
    last = await read();
  }
  return last;
}

export interface Letter {
  id: string;
  destination: string;
  status: string;
  error: { class: string; code: string; message: string; status: number | null };
  span_count: number;
  trace_ids: string[];
  replay_of: string[];
  spans?: Array<{ span_id: string; attributes: Record<string, unknown> }>;
  history?: Letter[];
}

export type LetterList = { items: Letter[]; total?: { letters: number; spans: number } };

/** Span ids in a webhook request body ({ spans: [...] }). */
export const webhookSpanIds = (r: ReceivedRequest): string[] => (JSON.parse(r.body.toString("utf8")) as { spans: Array<{ span_id: string }> }).spans.map((s) => s.span_id);

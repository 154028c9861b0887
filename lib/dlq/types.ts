// The shapes of the failed-delivery API (pure types: the UI imports them too).
import type { CanonicalSpan } from "../span/types.ts";

export type LetterStatus = "failed" | "replayed";

/** One row of the table as the API shows it (spans only on request: they can be large). */
export interface LetterRow {
  id: string;
  project_id: string;
  destination: string;
  error: { class: string; code: string; message: string; status: number | null };
  attempts: number;
  first_attempt_at: string;
  last_attempt_at: string;
  dead_lettered_at: string;
  span_count: number;
  trace_ids: string[];
  replay_of: string[];
  status: LetterStatus;
  replayed_at: string | null;
  replayed_to: string | null;
  expires_at: string;
  spans?: CanonicalSpan[];
  /** With `withSpanIds`: the ids of the spans, without their payloads. */
  span_ids?: string[];
}

/** The answer of POST {prefix}/deliveries/replay (replay.ts). */
export interface ReplayResult {
  /** Letters and spans put back on the bus by this call. */
  replayed_letters: number;
  replayed_spans: number;
  /** Letters still matching the filter (status failed) after this call. */
  remaining: number;
  /** Per destination the spans went to. */
  destinations: Record<string, number>;
}

// The dead-letter hand-off. The helper gives up on spans (permanent error, mapping error, retry window
// over) by calling `put`; only when `put` resolves does it count them as settled, so a failing sink
// keeps them on the bus. The durable DLQ (topic + API + replay) implements this same interface later.
import type { CanonicalSpan } from "../../lib/span/types.ts";
import type { ErrorClass } from "./errors.ts";

export interface DeadLetter {
  destination: string;
  spans: CanonicalSpan[];
  error: { class: ErrorClass; code: string; message: string; status?: number };
  /** Requests actually sent (0 for a mapping error). */
  attempts: number;
  first_attempt_at: string;
  last_attempt_at: string;
}

export interface DeadLetterSink {
  put(letter: DeadLetter): Promise<void>;
}

/** For tests and for running without a DLQ configured: keeps letters in an array. */
export class InMemoryDeadLetterSink implements DeadLetterSink {
  readonly letters: DeadLetter[] = [];
  async put(letter: DeadLetter): Promise<void> {
    this.letters.push(letter);
  }
  spanIds(): string[] {
    return this.letters.flatMap((l) => l.spans.map((s) => s.span_id));
  }
}

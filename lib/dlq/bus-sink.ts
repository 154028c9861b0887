// The deliver role's dead-letter sink: every give-up becomes records on the bus topic `dlq` (durable
// before `put` resolves, so the helper only then lets the consumer commit the spans' offsets: a crash
// between the give-up and the write redelivers the spans, it never loses them). The explorer role
// copies the topic into the store's `dead_letters` table (lib/dlq/log.ts) for the API and replay.
import type { DeadLetter, DeadLetterSink } from "../../destinations/_delivery/index.ts";
import { type Bus, TOPICS } from "../bus/types.ts";
import type { CanonicalSpan } from "../span/types.ts";
import { toLetterRecords } from "./letter.ts";

export class BusDeadLetterSink implements DeadLetterSink {
  /** Spans that came from a replay, with the letter they came from (filled by the deliver role). */
  readonly replayOf = new WeakMap<CanonicalSpan, string>();
  private readonly bus: Bus;
  private readonly now: () => number;

  constructor(bus: Bus, now: () => number = Date.now) {
    this.bus = bus;
    this.now = now;
  }

  async put(letter: DeadLetter): Promise<void> {
    const records = toLetterRecords(letter, (span) => this.replayOf.get(span), this.now());
    await this.bus.produce(
      TOPICS.dlq,
      records.map((r) => ({ key: r.destination, value: JSON.stringify(r) })),
    );
  }
}

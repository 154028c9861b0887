// A dead letter as it travels on the bus topic `dlq` and sits in the store's `dead_letters` table.
// The delivery helper hands over { destination, spans, error, attempts, times }; the deliver role's sink
// splits it by project (letters, their API and their replay are per project), gives each part an id,
// and records which earlier letters its spans were replayed from (`replay_of`), so a replayed item that
// fails again comes back with its history.
import { randomUUID } from "node:crypto";
import type { DeadLetter } from "../../destinations/_delivery/index.ts";
import type { CanonicalSpan } from "../span/types.ts";

export interface DeadLetterRecord {
  id: string;
  project_id: string;
  destination: string;
  error: DeadLetter["error"];
  attempts: number;
  first_attempt_at: string;
  last_attempt_at: string;
  dead_lettered_at: string;
  spans: CanonicalSpan[];
  /** Ids of the letters these spans were replayed from (empty on a first failure). */
  replay_of: string[];
}

/** Splits a give-up into one record per project. `replayOf` tells which letter a span was replayed from. */
export function toLetterRecords(letter: DeadLetter, replayOf: (span: CanonicalSpan) => string | undefined, now: number): DeadLetterRecord[] {
  const byProject = new Map<string, CanonicalSpan[]>();
  for (const span of letter.spans) {
    const list = byProject.get(span.project_id);
    if (list) list.push(span);
    else byProject.set(span.project_id, [span]);
  }
  return [...byProject].map(([project_id, spans]) => ({
    id: randomUUID(),
    project_id,
    destination: letter.destination,
    error: letter.error,
    attempts: letter.attempts,
    first_attempt_at: letter.first_attempt_at,
    last_attempt_at: letter.last_attempt_at,
    dead_lettered_at: new Date(now).toISOString(),
    spans,
    replay_of: [...new Set(spans.map(replayOf).filter((id): id is string => id !== undefined))],
  }));
}

/** Header on a `deliver.<name>` record that a replay produced: the id of the letter it came from. */
export const REPLAY_OF_HEADER = "replay-of";

// Replay: put dead-lettered spans back on a destination's topic `deliver.<name>` (the letter's own
// destination, or another one), each record carrying the letter's id (REPLAY_OF_HEADER) so a span that
// fails again returns to the DLQ with its history; then mark the letters replayed. Done in pages of
// `limit` letters so a large replay shows progress (the CLI and the UI loop until `remaining` is 0).
// A crash between the produce and the mark leaves the letters "failed": replaying them again re-sends
// spans the destination may already have, which every destination dedupes by span id.
import { type Bus, TOPICS } from "../bus/types.ts";
import type { SqlClient } from "../store/types.ts";
import { REPLAY_OF_HEADER } from "./letter.ts";
import type { ReplayResult } from "./types.ts";
import { countLetters, type LetterFilter, listLetters, markReplayed } from "./table.ts";

export interface ReplayRequest {
  filter: LetterFilter;
  /** Send to this destination instead of each letter's own. */
  to?: string;
  /** Letters per call (a page). */
  limit: number;
}

export class ReplayTargetError extends Error {
  readonly destination: string;
  constructor(destination: string, configured: string[]) {
    super(`cannot replay to "${destination}": not a configured destination (configured: ${configured.join(", ") || "none"})`);
    this.name = "ReplayTargetError";
    this.destination = destination;
  }
}

export async function replayLetters(sql: SqlClient, bus: Bus, configured: string[], request: ReplayRequest): Promise<ReplayResult> {
  if (request.to !== undefined && !configured.includes(request.to)) throw new ReplayTargetError(request.to, configured);
  const filter: LetterFilter = { ...request.filter, status: "failed" };
  const letters = await listLetters(sql, filter, { limit: request.limit, withSpans: true });
  const destinations: Record<string, number> = {};
  const byTarget = new Map<string, typeof letters>();
  for (const letter of letters) {
    const target = request.to ?? letter.destination;
    if (!configured.includes(target)) throw new ReplayTargetError(target, configured);
    const group = byTarget.get(target);
    if (group) group.push(letter);
    else byTarget.set(target, [letter]);
  }
  let spans = 0;
  for (const [target, group] of byTarget) {
    await bus.ensureTopics([{ name: TOPICS.deliver(target) }]);
    const messages = group.flatMap((letter) =>
      (letter.spans ?? []).map((span) => ({ key: span.trace_id, value: JSON.stringify(span), headers: { [REPLAY_OF_HEADER]: letter.id } })),
    );
    await bus.produce(TOPICS.deliver(target), messages);
    // Per target: the letters were re-sent to `target`.
    await markReplayed(sql, request.filter.project, group.map((l) => l.id), target);
    destinations[target] = (destinations[target] ?? 0) + messages.length;
    spans += messages.length;
  }
  const { letters: remaining } = await countLetters(sql, filter);
  return { replayed_letters: letters.length, replayed_spans: spans, remaining, destinations };
}

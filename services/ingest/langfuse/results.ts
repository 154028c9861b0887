// The per-event outcome of a Langfuse batch, shaped exactly like Langfuse's `IngestionResponse` (HTTP 207):
// `successes` and `errors`, each entry naming the EVENT id (or "unknown" when the event had no string id)
// so that SDKs can match errors to events. Statuses used here: 201 accepted, 400 invalid event,
// 413 event too large / past the per-batch cap, 500 unexpected failure while mapping one event.

export interface IngestionSuccess {
  id: string;
  status: 201;
}

export interface IngestionError {
  id: string;
  status: number;
  message: string;
  /** What exactly was wrong, with JSON paths relative to the event (e.g. `/body/id is required`). */
  error?: string;
}

export interface IngestionResults {
  successes: IngestionSuccess[];
  errors: IngestionError[];
}

export const UNKNOWN_EVENT_ID = "unknown";

export const INVALID_REQUEST_DATA = "Invalid request data";

/** The event's own id when it has a string one — what Langfuse echoes back in results. */
export function eventIdOf(raw: unknown): string {
  if (raw !== null && typeof raw === "object" && typeof (raw as { id?: unknown }).id === "string") {
    return (raw as { id: string }).id;
  }
  return UNKNOWN_EVENT_ID;
}

export function invalidEvent(id: string, problems: string): IngestionError {
  return { id, status: 400, message: INVALID_REQUEST_DATA, error: problems };
}

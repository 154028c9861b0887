// Reading Langfuse's 207 (NOTES.md §2.4): `{"successes":[{id,status}],"errors":[{id,status,message,error}]}`.
// The HTTP status says nothing about the events: each one is delivered only when its id is in
// `successes`. A failed event is retried when Langfuse says 429/5xx (or said nothing about it) and
// refused for good on any other status, with Langfuse's message. "Event type not accepted" is a v4
// server in its default events_only write mode: it takes traces and observations over OTLP only.
import { type DeliveryError, PermanentError, RetryableError } from "../_delivery/index.ts";

interface EventError {
  id?: unknown;
  status?: unknown;
  message?: unknown;
  error?: unknown;
}

const MAX_DETAIL_CHARS = 300;

export const V4_EVENTS_ONLY_HINT =
  "the Langfuse server refuses traces and observations on /api/public/ingestion (Langfuse v4 in its default events_only write mode): set `mode: otel` for this destination";

/**
 * Event id → why it failed, for every event of `eventIds` that is not in `successes`.
 * Returns undefined when the body is not a multi-status answer at all.
 */
export function failedEvents(text: string, eventIds: readonly string[]): Map<string, DeliveryError> | undefined {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    return undefined;
  }
  const { successes, errors } = (parsed ?? {}) as { successes?: unknown; errors?: unknown };
  if (!Array.isArray(successes) || !Array.isArray(errors)) return undefined;
  const delivered = new Set(successes.map((s) => (s as { id?: unknown })?.id));
  const reported = new Map<unknown, EventError>(errors.map((e: EventError) => [e?.id, e]));
  // Events with the same answer share one error, so the helper writes one dead letter per cause.
  const byCause = new Map<string, DeliveryError>();
  const failed = new Map<string, DeliveryError>();
  for (const id of eventIds) {
    if (delivered.has(id)) continue;
    const e = reported.get(id);
    const status = typeof e?.status === "number" ? e.status : undefined;
    const message = describe(e, status);
    let error = byCause.get(message);
    if (!error) {
      const retry = status === undefined || status === 429 || status >= 500;
      error = retry ? new RetryableError(message, { status }) : new PermanentError(message, { status });
      byCause.set(message, error);
    }
    failed.set(id, error);
  }
  return failed;
}

function describe(e: EventError | undefined, status: number | undefined): string {
  if (!e) return "Langfuse answered 207 without a status for this event";
  const message = typeof e.message === "string" ? e.message : "";
  const detail = e.error == null ? "" : typeof e.error === "string" ? e.error : JSON.stringify(e.error);
  const vendor = [message, detail].filter(Boolean).join(": ").slice(0, MAX_DETAIL_CHARS);
  const text = `Langfuse event status ${status ?? "?"}${vendor ? `: ${vendor}` : ""}`;
  return /event type not accepted/i.test(`${message} ${detail}`) ? `${V4_EVENTS_ONLY_HINT} (${text})` : text;
}

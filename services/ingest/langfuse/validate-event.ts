// Checks ONE raw batch item and either returns it as a typed, accepted event or says precisely why not.
// Order matters: shape → nesting depth (iterative, so nothing recursive ever sees hostile nesting) → size
// → type → schema. Every refusal becomes one entry of the 207 `errors` list; siblings are unaffected.
import { isAcceptedEventType, LANGFUSE_EVENT_TYPES, REFUSED_EVENT_TYPES, ACCEPTED_EVENT_TYPES } from "./event-types.ts";
import type { LangfuseEventTypeSpec } from "./event-types.ts";
import { eventByteSize, findTooDeepValue, type LangfuseLimits } from "./limits.ts";
import { eventIdOf, invalidEvent, type IngestionError } from "./results.ts";
import { formatSchemaErrors, validatorFor } from "./schema.ts";
import type { LangfuseEvent } from "./types.ts";

export type EventCheck =
  | { ok: true; event: LangfuseEvent; spec: LangfuseEventTypeSpec }
  | { ok: false; error: IngestionError };

const isPlainObject = (v: unknown): v is Record<string, unknown> =>
  v !== null && typeof v === "object" && !Array.isArray(v);

function describeUnacceptedType(type: unknown): string {
  const accepted = `accepted types: ${ACCEPTED_EVENT_TYPES.join(", ")}`;
  if (type === undefined) return `/type is required; ${accepted}`;
  if (typeof type !== "string") return `/type must be a string; ${accepted}`;
  const refusal = REFUSED_EVENT_TYPES[type];
  return refusal ? `/type ${refusal}` : `/type "${type}" is not an accepted event type; ${accepted}`;
}

export function checkLangfuseEvent(raw: unknown, limits: LangfuseLimits): EventCheck {
  const id = eventIdOf(raw);
  if (!isPlainObject(raw)) return { ok: false, error: invalidEvent(id, "/ must be an object (one ingestion event)") };

  const tooDeep = findTooDeepValue(raw, limits.maxNestingDepth);
  if (tooDeep) {
    return { ok: false, error: invalidEvent(id, `${tooDeep} is nested more than ${limits.maxNestingDepth} levels deep`) };
  }

  const bytes = eventByteSize(raw);
  if (bytes > limits.maxEventBytes) {
    const error = `the event is ${bytes} bytes as JSON; the limit is ${limits.maxEventBytes} bytes per event`;
    return { ok: false, error: { id, status: 413, message: "Event too large", error } };
  }

  if (!isAcceptedEventType(raw.type)) return { ok: false, error: invalidEvent(id, describeUnacceptedType(raw.type)) };

  const spec = LANGFUSE_EVENT_TYPES[raw.type];
  const validate = validatorFor(spec.schema);
  if (!validate(raw)) return { ok: false, error: invalidEvent(id, formatSchemaErrors(validate.errors).join("; ")) };
  return { ok: true, event: raw as unknown as LangfuseEvent, spec };
}

// Convention-independent span keys, read after every convention normalizer (so their values only fill
// what is still empty), and the canonical defaults that depend on them.
//
//   session_id   session.id (OpenInference; what current Langfuse SDKs emit)
//   user_id      user.id (OpenInference, Langfuse), enduser.id (OTel general registry)
//   tags         tag.tags (OpenInference; Langfuse reads it too)
//   environment  deployment.environment.name → deployment.environment on the SPAN (resource: otlp.ts)
//   status_message  for an error span without one: the first `exception` event's message (or type)
import { asString, asStringArray, parseJsonValue } from "./attributes.ts";
import { addTags, type ConventionInput, fill } from "./draft.ts";

export function normalizeCommon(input: ConventionInput): void {
  const { bag, draft: d } = input;
  fill(d, "session_id", bag.takeString("session.id"));
  fill(d, "user_id", bag.takeString("user.id", "enduser.id"));
  addTags(d, asStringArray(parseJsonValue(bag.take("tag.tags"))));
  fill(d, "environment", bag.takeString("deployment.environment.name", "deployment.environment"));
  if (input.span.status.code === 2) fill(d, "status_message", exceptionMessage(input));
}

function exceptionMessage(input: ConventionInput): string | undefined {
  for (const e of input.span.events) {
    if (e.name !== "exception") continue;
    return asString(e.attributes["exception.message"]) ?? asString(e.attributes["exception.type"]);
  }
  return undefined;
}

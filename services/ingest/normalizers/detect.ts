// Picks the instrumentation convention(s) a span follows, in the order their normalizers run.
//
// A span may carry several conventions at once (Vercel inner spans repeat their data as gen_ai.*;
// OpenLLMetry emits gen_ai.* plus its own keys; Langfuse SDKs stamp langfuse.* onto every span in a
// propagated context). Every detected convention's normalizer runs, highest priority first, and the
// first value found for a field wins (draft.ts). Priority, and why:
//   1. langfuse       strong markers only: scope `langfuse-sdk` or any `langfuse.observation.*` key —
//                     observation fields the user set explicitly beat anything an instrumentation inferred
//   2. openinference  `openinference.span.kind` — a required, explicit marker on every OI span
//   3. vercel_ai      `ai.operationId` (legacy), scope `ai` (legacy tracer) or `gen_ai` (@ai-sdk/otel v7),
//                     `gen_ai.operation.name` = agent_step — must precede gen_ai: its inner spans repeat
//                     the model call as gen_ai.* with SDK-specific spellings, and v7 kinds need its table
//   4. openllmetry    `traceloop.*`, `llm.request.type`, `llm.usage.total_tokens`, flattened
//                     `gen_ai.{prompt,completion}.{i}.*`, scope `@traceloop/*` — its legacy aliases must be
//                     read before the gen_ai reader claims the same fields
//   5. gen_ai         any `gen_ai.*` key — the base layer, fills whatever is left
//   6. langfuse       weak: only trace-level `langfuse.*` keys propagated onto another instrumentation's
//                     span — they add tags/session/user/environment but do not make it a Langfuse span
// The primary convention (source.convention) is the first in the list; null for a span with none.
import type { Attributes } from "../otlp/types.ts";
import type { Convention } from "./draft.ts";

export interface Detection {
  primary: Convention | null;
  order: Convention[];
}

const FLATTENED_MESSAGE = /^gen_ai\.(?:prompt|completion)\.\d+\./;

/** @param keys the span's attribute keys (AttributeBag.allKeys; Object.keys(attrs) elsewhere) */
export function detectConventions(attrs: Attributes, scopeName: string, keys: readonly string[] = Object.keys(attrs)): Detection {
  let langfuseStrong = scopeName === "langfuse-sdk";
  let langfuseWeak = false;
  let openinference = false;
  let vercel = scopeName === "ai" || scopeName === "gen_ai";
  let openllmetry = scopeName.startsWith("@traceloop/");
  let genAi = false;

  for (const key of keys) {
    // One pass over the keys; checks ordered by how cheaply they reject.
    const c = key.charCodeAt(0);
    if (c === 103 /* g */ && key.startsWith("gen_ai.")) {
      genAi = true;
      if (!openllmetry && FLATTENED_MESSAGE.test(key)) openllmetry = true;
      else if (key === "gen_ai.operation.name" && attrs[key] === "agent_step") vercel = true;
    } else if (c === 108 /* l */) {
      if (key.startsWith("langfuse.")) {
        if (key.startsWith("langfuse.observation.")) langfuseStrong = true;
        else langfuseWeak = true;
      } else if (key === "llm.request.type" || key === "llm.usage.total_tokens") openllmetry = true;
    } else if (key === "openinference.span.kind") openinference = true;
    else if (key === "ai.operationId") vercel = true;
    else if (c === 116 /* t */ && key.startsWith("traceloop.")) openllmetry = true;
  }

  const order: Convention[] = [];
  if (langfuseStrong) order.push("langfuse");
  if (openinference) order.push("openinference");
  if (vercel) order.push("vercel_ai");
  if (openllmetry) order.push("openllmetry");
  if (genAi) order.push("gen_ai");
  if (langfuseWeak && !langfuseStrong) order.push("langfuse");
  return { primary: order[0] ?? null, order };
}

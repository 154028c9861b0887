// Test helpers: small literal canonical spans (valid per schemas/span.v1.schema.json) and ids.
// Used by the store contract suite and by anything else that needs spans in a store.
import { randomBytes } from "node:crypto";
import type { CanonicalSpan, Usage } from "../span/types.ts";
import { durationMs as between, fromUnixMicros, fromUnixMillis, toUnixMicros } from "../span/time.ts";

/** 2026-03-01T10:00:00Z: test spans are placed relative to it. */
export const BASE_MS = Date.parse("2026-03-01T10:00:00Z");

/** Canonical time `ms` milliseconds after BASE_MS. */
export const at = (ms: number): string => fromUnixMillis(BASE_MS + ms);

/** A fresh project id per test, so tests sharing one store never see each other's spans. */
export const newProjectId = (label = "test"): string => `${label}-${randomBytes(4).toString("hex")}`;

/** Deterministic ids: trace n of a run, span n of a trace (never all zeros). */
export const traceIdOf = (n: number, salt = 0xabc): string => `${salt.toString(16).padStart(8, "0")}${(n + 1).toString(16).padStart(24, "0")}`;
export const spanIdOf = (n: number): string => (n + 1).toString(16).padStart(16, "0");
export const randomTraceId = (): string => randomBytes(16).toString("hex");

export interface SpanSpec extends Partial<CanonicalSpan> {
  project_id: string;
  trace_id: string;
  span_id: string;
  /** Start offset from BASE_MS in ms (ignored when start_time is given). */
  startMs?: number;
  /** Duration in ms (ignored when end_time is given); default 100. */
  durationMs?: number;
}

/** A complete span with sensible defaults (kind custom, status ok, source otlp/gen_ai). */
export function makeSpan(spec: SpanSpec): CanonicalSpan {
  const { startMs = 0, durationMs = 100, ...fields } = spec;
  const start_time = fields.start_time ?? at(startMs);
  const end_time =
    fields.end_time === undefined ? fromUnixMicros(toUnixMicros(start_time) + BigInt(Math.round(durationMs * 1000))) : fields.end_time;
  const span: CanonicalSpan = {
    schema_version: 1,
    name: "span",
    kind: "custom",
    status: "ok",
    source: { format: "otlp", convention: "gen_ai" },
    ...fields,
    start_time,
    end_time,
  };
  if (end_time && span.duration_ms === undefined) span.duration_ms = between(start_time, end_time);
  if (end_time === null) delete span.end_time;
  return span;
}

/** An llm span with usage and a reported cost. */
export function llmSpan(spec: SpanSpec & { tokens?: Usage; costUsd?: number }): CanonicalSpan {
  const { tokens = { input_tokens: 100, output_tokens: 20, total_tokens: 120 }, costUsd = 0.001, ...rest } = spec;
  return makeSpan({
    name: "chat gpt-4o",
    kind: "llm",
    model: "gpt-4o",
    provider: "openai",
    usage: tokens,
    cost: { total_usd: costUsd, source: "reported" },
    ...rest,
  });
}

// The span under construction, shared by the convention normalizers, and the small "fill" helpers
// that encode the merge rules between conventions.
//
// Normalizers run in priority order (see detect.ts). Merge rules:
// - scalar and message fields: FIRST value wins (a higher-priority convention is never overwritten);
// - model_parameters: merged key by key, first value per key wins;
// - tags: union, first-seen order;
// - usage and cost: whole objects, first wins (mixing token counts from two conventions could mix
//   inclusive and exclusive cache semantics).
import type { CanonicalSpan } from "../../../lib/span/types.ts";
import type { OtlpEvent, OtlpScope, OtlpSpan } from "../otlp/types.ts";
import type { AttributeBag } from "./attributes.ts";

export type Convention = "langfuse" | "openinference" | "vercel_ai" | "openllmetry" | "gen_ai";

/** Canonical fields a normalizer may fill; ids, times, source and attributes are owned by otlp.ts. */
export type SpanDraft = Partial<
  Omit<CanonicalSpan, "schema_version" | "trace_id" | "span_id" | "parent_span_id" | "project_id" | "attributes">
>;

export interface ConventionInput {
  bag: AttributeBag;
  draft: SpanDraft;
  span: OtlpSpan;
  scope: OtlpScope;
  /** Span start in unix nanoseconds (validated, never null here). */
  startNanos: bigint;
  /** Events whose content was captured into fields; they are not repeated in `events`. */
  consumedEvents: Set<OtlpEvent>;
}

export type ConventionNormalizer = (input: ConventionInput) => void;

/**
 * Model: the RESPONSE model is preferred (it names the exact snapshot that ran and was billed, e.g.
 * `gpt-4o-2024-08-06` for a request of `gpt-4o`), so callers list response keys before request keys.
 * A model key is consumed when its value IS the chosen model; a differing value (typically the
 * requested alias) stays in `attributes` once, under the first key that carries it, so nothing is lost.
 */
export function fillModel(d: SpanDraft, bag: AttributeBag, keysByPreference: readonly string[]): void {
  if (d.model == null) {
    for (const key of keysByPreference) {
      const v = bag.peekString(key);
      if (v !== undefined) {
        d.model = v;
        break;
      }
    }
  }
  const kept = new Set<string>();
  for (const key of keysByPreference) {
    const v = bag.peekString(key);
    if (v === undefined) continue;
    if (v === d.model || kept.has(v)) bag.consume(key);
    else kept.add(v);
  }
}

export function fillParams(d: SpanDraft, params: Record<string, unknown> | undefined): void {
  if (!params) return;
  for (const [key, value] of Object.entries(params)) {
    if (value === undefined || value === null) continue;
    d.model_parameters ??= {};
    if (d.model_parameters[key] === undefined) d.model_parameters[key] = value;
  }
}

export function addTags(d: SpanDraft, tags: readonly string[] | undefined): void {
  if (!tags || tags.length === 0) return;
  const merged = d.tags ?? [];
  for (const t of tags) {
    const tag = t.trim();
    if (tag !== "" && !merged.includes(tag)) merged.push(tag);
  }
  if (merged.length) d.tags = merged;
}

/** Fills `d[field]` when it is still empty and `value` is present. */
export function fill<K extends keyof SpanDraft>(d: SpanDraft, field: K, value: SpanDraft[K] | undefined): void {
  if (value === undefined || value === null) return;
  if (d[field] === undefined || d[field] === null) d[field] = value;
}

/**
 * A prompt reference as the schema allows it: versions are integers when they look like one ("3" → 3),
 * other values are kept as strings, and an absent version is left out.
 */
export function promptRef(name: string, version: unknown): NonNullable<SpanDraft["prompt"]> {
  if (typeof version === "number" && Number.isInteger(version)) return { name, version };
  if (typeof version === "string" && /^\d{1,15}$/.test(version)) return { name, version: Number(version) };
  if ((typeof version === "string" && version !== "") || typeof version === "number") return { name, version: String(version) };
  return { name };
}

/** Milliseconds from span start to an event, or undefined when the event is missing or before start. */
export function msSinceStart(startNanos: bigint, eventNanos: bigint | null | undefined): number | undefined {
  if (eventNanos == null || eventNanos < startNanos) return undefined;
  return Number((eventNanos - startNanos) / 1000n) / 1000;
}

/** Finds the first unconsumed span event with one of `names`. */
export function findEvent(input: ConventionInput, names: readonly string[]): OtlpEvent | undefined {
  for (const e of input.span.events) if (names.includes(e.name) && !input.consumedEvents.has(e)) return e;
  return undefined;
}

// Token usage in canonical form, and the reconciliation rules every convention goes through.
//
// Canonical rule (DESIGN.md): `input_tokens` counts ALL input tokens, cache reads and writes included;
// `reasoning_tokens` is PART of `output_tokens`; cache and reasoning counts are never added on top.
//
// Sources disagree on whether their raw numbers already follow it (reference §3, "Traps"):
// - "inclusive" sources (OTel GenAI, OpenInference, OpenAI-shaped counts) already do;
// - "exclusive" sources report non-overlapping buckets: Anthropic's raw `input_tokens` excludes cache
//   read/write, Langfuse `usage_details` buckets never overlap (`input` = uncached, `output` excludes
//   reasoning). Their parts are added to reach the canonical totals;
// - when a source is not known either way, an impossible inclusive reading is the tell: cache parts
//   larger than the input total (or reasoning larger than output) can only be exclusive counts.
// `total_tokens` is the source's total when nothing had to be adjusted, otherwise input + output.
import type { Usage } from "../../../lib/span/types.ts";
import { type AttributeBag, asCount } from "./attributes.ts";

export interface RawUsage {
  input?: number;
  output?: number;
  total?: number;
  cacheRead?: number;
  cacheWrite?: number;
  reasoning?: number;
}

export type Accounting = "inclusive" | "exclusive" | "unknown";

export interface UsageSemantics {
  /** Whether `input` already includes cache read/write tokens. */
  cache?: Accounting;
  /** Whether `output` already includes reasoning tokens. */
  reasoning?: Accounting;
}

/** Attribute keys per usage bucket, in preference order (aliases across versions of one convention). */
export interface UsageKeys {
  input: readonly string[];
  output: readonly string[];
  total: readonly string[];
  cacheRead: readonly string[];
  cacheWrite: readonly string[];
  reasoning: readonly string[];
}

/** Reads (and consumes) every usage key of a convention; undefined when none is present. */
export function takeUsage(bag: AttributeBag, keys: UsageKeys): RawUsage | undefined {
  const raw: RawUsage = {
    input: asCount(bag.takeFirst(keys.input)),
    output: asCount(bag.takeFirst(keys.output)),
    total: asCount(bag.takeFirst(keys.total)),
    cacheRead: asCount(bag.takeFirst(keys.cacheRead)),
    cacheWrite: asCount(bag.takeFirst(keys.cacheWrite)),
    reasoning: asCount(bag.takeFirst(keys.reasoning)),
  };
  return isEmpty(raw) ? undefined : raw;
}

export function isEmpty(raw: RawUsage): boolean {
  return (
    raw.input === undefined &&
    raw.output === undefined &&
    raw.total === undefined &&
    raw.cacheRead === undefined &&
    raw.cacheWrite === undefined &&
    raw.reasoning === undefined
  );
}

export function canonicalUsage(raw: RawUsage | undefined, semantics: UsageSemantics = {}): Usage | undefined {
  if (!raw || isEmpty(raw)) return undefined;
  let { input, output } = raw;
  let adjusted = false;

  const cacheParts = (raw.cacheRead ?? 0) + (raw.cacheWrite ?? 0);
  if (cacheParts > 0) {
    if (input === undefined) {
      input = cacheParts;
      adjusted = true;
    } else if (semantics.cache === "exclusive" || cacheParts > input) {
      // Anthropic-style (or Langfuse-bucket) counts: the raw input is the uncached remainder.
      input += cacheParts;
      adjusted = true;
    }
  }

  const reasoning = raw.reasoning ?? 0;
  if (reasoning > 0) {
    if (output === undefined) {
      output = reasoning;
      adjusted = true;
    } else if (semantics.reasoning === "exclusive" || reasoning > output) {
      output += reasoning;
      adjusted = true;
    }
  }

  const usage: Usage = {};
  if (input !== undefined) usage.input_tokens = input;
  if (output !== undefined) usage.output_tokens = output;
  if (raw.total !== undefined && !adjusted) usage.total_tokens = raw.total;
  else if (input !== undefined || output !== undefined) usage.total_tokens = (input ?? 0) + (output ?? 0);
  if (raw.cacheRead !== undefined) usage.cache_read_tokens = raw.cacheRead;
  if (raw.cacheWrite !== undefined) usage.cache_write_tokens = raw.cacheWrite;
  if (raw.reasoning !== undefined) usage.reasoning_tokens = raw.reasoning;
  return usage;
}

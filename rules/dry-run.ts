// Dry-run: a span or a whole trace (any number of spans/pieces) through a rule set, answering which
// rules fired, kept or dropped and why, and exactly what each destination would receive. Used by
// `POST /api/v1/rules/test` and `tracerelay rules test`. Tail rule sets treat the given spans as the
// complete trace(s): they are buffered and decided at once (no waiting).
import type { SpanPiece } from "../lib/span/envelope.ts";
import type { CanonicalSpan } from "../lib/span/types.ts";
import { validateSpan } from "../lib/span/validate.ts";
import { applyRules } from "./engine.ts";
import { TailSampler } from "./stages/sample.ts";
import type { CompiledRules, Decisions } from "./types.ts";

export interface DryRunItem {
  span: CanonicalSpan;
  piece?: SpanPiece;
}
export interface DryRunResult {
  trace_id: string;
  span_id: string;
  piece?: string;
  decisions: Decisions;
  kept: boolean;
  /** Destination → the exact span JSON it would receive. Absent destinations receive nothing. */
  destinations: Record<string, CanonicalSpan>;
}

/** Accepts a span, an array of spans, `{span, piece}` envelopes, or `{spans: [...]}`. */
export function normalizeDryRunInput(body: unknown): { items: DryRunItem[]; problems: string[] } {
  const raw = Array.isArray(body) ? body : body && typeof body === "object" && Array.isArray((body as { spans?: unknown }).spans) ? (body as { spans: unknown[] }).spans : [body];
  const items: DryRunItem[] = [];
  const problems: string[] = [];
  raw.forEach((x, i) => {
    const env = x && typeof x === "object" && "span" in x ? (x as DryRunItem) : { span: x as CanonicalSpan };
    const v = validateSpan(env.span);
    if (!v.ok) problems.push(...v.errors.map((e) => `span ${i}: ${e}`));
    else items.push(env);
  });
  return { items, problems };
}

export function dryRun(rules: CompiledRules, items: readonly DryRunItem[]): DryRunResult[] {
  const results: DryRunResult[] = [];
  const run = (it: DryRunItem, sample?: Decisions["sample"]) => {
    const r = applyRules(rules, it.span, { sample });
    results.push({
      trace_id: it.span.trace_id,
      span_id: it.span.span_id,
      piece: it.piece?.id,
      decisions: r.decisions,
      kept: r.decisions.sample.kept,
      destinations: Object.fromEntries(r.perDestination),
    });
  };
  if (rules.tail) {
    const tail = new TailSampler<DryRunItem>(() => rules, { now: () => 0 });
    for (const it of items) for (const rel of tail.add(it.span, it, 0, it.piece?.fields)) for (const x of rel.items) run(x.payload, rel.decision);
    for (const rel of tail.flush()) for (const x of rel.items) run(x.payload, rel.decision);
  } else for (const it of items) run(it);
  return results;
}

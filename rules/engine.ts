// The rule engine. Stages run in a FIXED order: sample → redact → route → transform.
//
//   compileRules(doc, { destinations })        → CompiledRules (rules/compile.ts; throws RulesError)
//   applyRules(compiled, span, ctx?)           → { decisions, perDestination }   pure, no I/O
//   TailSampler                                (rules/stages/sample.ts) the one stateful piece, in front
//
// 1. sample    head: decided from trace_id; tail: the caller passes the TailSampler's trace decision
//              in `ctx.sample`. A dropped span reaches no destination.
// 2. redact    per destination: the redaction rules scoped to a destination are applied to a copy for
//              it (destinations with the same set of rules share one copy); unscoped rules apply to all.
// 3. route     on the unredacted span (see stages/route.ts); decides which destinations receive it.
// 4. transform per routed destination on its redacted copy.
//
// Pieces (records with a `piece` header: Langfuse create/update pieces of ONE span, folded later by
// the store) are applied one by one, each as a span. Sampling is decided by trace_id (head: hash; tail:
// one decision per trace, remembered for late pieces), so every piece of a span and every span of a
// trace share the sampling decision. Routing conditions should read fields every piece carries
// (project_id, environment, service_name, …): a condition on a field only one piece sets
// (e.g. `output`) can send the create and the update pieces to different destinations. Redaction
// applies per piece, so every piece a destination receives is redacted.
import type { CanonicalSpan } from "../lib/span/types.ts";
import { decideSample } from "./stages/sample.ts";
import { redactSpan } from "./stages/redact.ts";
import { routeSpan } from "./stages/route.ts";
import { transformSpan } from "./stages/transform.ts";
import type { ApplyResult, CompiledRedaction, CompiledRules, Decisions, SampleDecision } from "./types.ts";

export { compileRules, RulesError } from "./compile.ts";
export type { ApplyResult, CompiledRules, Decisions, RulesDoc, SampleDecision } from "./types.ts";

export interface ApplyContext {
  /** The tail decision for this span's trace (from TailSampler); omit for head sampling. */
  sample?: SampleDecision;
}

export function applyRules(rules: CompiledRules, span: CanonicalSpan, ctx: ApplyContext = {}): ApplyResult {
  const sample = ctx.sample ?? decideSample(rules, span);
  const decisions: Decisions = { sample, routes: [], defaultRoute: false, redactions: {}, transforms: {} };
  const perDestination = new Map<string, CanonicalSpan>();
  if (!sample.kept) return { decisions, perDestination };

  const routed = routeSpan(rules, span);
  decisions.routes = routed.fired;
  decisions.defaultRoute = routed.usedDefault;

  // redaction copies, shared between destinations with the same applicable rules; a destination whose
  // rules extend another's (e.g. [a] and [a, b]) starts from the cached prefix
  const byScope = new Map<string, { span: CanonicalSpan; counts: Record<string, number> }>();
  const byTransform = new Map<CanonicalSpan, Map<string, { span: CanonicalSpan; applied: string[] }>>();
  for (const dest of routed.destinations) {
    let out = span;
    if (rules.redaction.length) {
      const applicable = rules.redaction.filter((r) => r.destinations.has(dest));
      if (applicable.length) {
        const entry = redactedFor(byScope, span, applicable, rules.hashKey);
        out = entry.span;
        if (Object.keys(entry.counts).length) decisions.redactions[dest] = { ...entry.counts };
      }
    }
    if (rules.transforms.length) {
      // destinations with the same input copy and the same applicable transforms share the result
      const tKey = transformKey(rules, dest);
      let perInput = byTransform.get(out);
      if (!perInput) {
        perInput = new Map();
        byTransform.set(out, perInput);
      }
      let done = perInput.get(tKey);
      if (!done) {
        const applied: string[] = [];
        done = { span: transformSpan(out, rules.transforms, dest, applied), applied };
        perInput.set(tKey, done);
      }
      out = done.span;
      if (done.applied.length) decisions.transforms[dest] = [...done.applied];
    }
    perDestination.set(dest, out);
  }
  return { decisions, perDestination };
}

function transformKey(rules: CompiledRules, dest: string): string {
  let key = "";
  for (let i = 0; i < rules.transforms.length; i++) if (rules.transforms[i].destinations.has(dest)) key += `${i},`;
  return key;
}

function redactedFor(
  cache: Map<string, { span: CanonicalSpan; counts: Record<string, number> }>,
  span: CanonicalSpan,
  applicable: readonly CompiledRedaction[],
  hashKey: string | undefined,
): { span: CanonicalSpan; counts: Record<string, number> } {
  const key = applicable.map((r) => r.index).join(",");
  const hit = cache.get(key);
  if (hit) return hit;
  let base = { span, counts: {} as Record<string, number> };
  let from = 0;
  for (let n = applicable.length - 1; n > 0; n--) {
    const prefix = cache.get(applicable.slice(0, n).map((r) => r.index).join(","));
    if (prefix) {
      base = prefix;
      from = n;
      break;
    }
  }
  const counts = { ...base.counts };
  const entry = { span: redactSpan(base.span, applicable.slice(from), hashKey, counts), counts };
  cache.set(key, entry);
  return entry;
}

/** Rules that change nothing: every destination receives every span as it is. */
/**
 * The destinations every span goes to, unchanged, when no stage needs to read a span (no sampling,
 * redaction, transforms or route conditions): the router then forwards the records' bytes as they are.
 * Null when the rules must look at each span.
 */
export function staticRoute(rules: CompiledRules): readonly string[] | null {
  if (rules.sampling.length || rules.redaction.length || rules.transforms.length) return null;
  if (rules.routes === null) return rules.destinations;
  return rules.routes.length === 0 ? rules.defaultRoute : null;
}

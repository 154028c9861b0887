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
import { collectFindings, redactSpan, type SpanFindings } from "./stages/redact.ts";
import { routeSpan } from "./stages/route.ts";
import { applyTransforms } from "./stages/transform.ts";
import type { ApplyResult, Chain, CompiledRules, Decisions, SampleDecision } from "./types.ts";

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
  // rules extend another's (e.g. [a] and [a, b]) starts from the cached prefix. Transforms likewise:
  // shared per input copy and chain of applicable transforms, continued from a common prefix.
  const byScope = new Map<string, Cached>();
  let findings: SpanFindings | undefined; // what every redaction rule finds in the span, collected once
  const byTransform = new Map<CanonicalSpan, Map<string, Cached>>();
  for (const dest of routed.destinations) {
    const plan = rules.plans.get(dest);
    if (!plan) throw new Error(`rules: no plan for destination "${dest}" (routes only name destinations the rules were compiled for)`);
    let out = span;
    if (plan.redaction.rules.length) {
      findings ??= rules.redactionScan ? collectFindings(span, rules.redactionScan) : undefined;
      const entry = cachedChain(byScope, span, plan.redaction, (from, rest, e) => redactSpan(from, rest, rules.hashKey, e.counts, findings));
      out = entry.span;
      if (Object.keys(entry.counts).length) decisions.redactions[dest] = { ...entry.counts };
    }
    if (plan.transforms.rules.length) {
      let perInput = byTransform.get(out);
      if (!perInput) {
        perInput = new Map();
        byTransform.set(out, perInput);
      }
      const done = cachedChain(perInput, out, plan.transforms, (from, rest, e) => applyTransforms(from, rest, e.applied));
      out = done.span;
      if (done.applied.length) decisions.transforms[dest] = [...done.applied];
    }
    perDestination.set(dest, out);
  }
  return { decisions, perDestination };
}

/** The result of a chain of rules for one input: the span, and what they did (counts or names). */
interface Cached {
  span: CanonicalSpan;
  counts: Record<string, number>;
  applied: string[];
}

/**
 * The result of `chain` on `input`, from `cache` (keyed by the chain's rules) or computed, starting
 * from the longest prefix of the chain already in the cache. `run` must not modify its input span;
 * it adds what it does to the entry's counts (redaction) or applied names (transforms).
 */
function cachedChain<R>(cache: Map<string, Cached>, input: CanonicalSpan, chain: Chain<R>, run: (from: CanonicalSpan, rest: readonly R[], entry: Cached) => CanonicalSpan): Cached {
  const n = chain.rules.length;
  const hit = cache.get(chain.keys[n - 1]);
  if (hit) return hit;
  let base: Cached = { span: input, counts: {}, applied: [] };
  let from = 0;
  for (let k = n - 1; k > 0; k--) {
    const prefix = cache.get(chain.keys[k - 1]);
    if (prefix) {
      base = prefix;
      from = k;
      break;
    }
  }
  const entry: Cached = { span: base.span, counts: { ...base.counts }, applied: [...base.applied] };
  entry.span = run(base.span, from === 0 ? chain.rules : chain.rules.slice(from), entry);
  cache.set(chain.keys[n - 1], entry);
  return entry;
}

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

// Stage 3: route. Route rules are evaluated by `priority` (higher first; default 0), then file order.
// A matching rule adds its `to` destinations and STOPS evaluation, unless it says `continue: true`
// (then later rules may add more: fan-out). A span matching no rule goes to `default_route`
// (`drop`, `store`, `all`, or a list). Without a `routes:` section every kept span goes to
// `default_route` when one is given, else to every destination (the behaviour before rules existed).
// Conditions see the span as sampled and UNREDACTED: redaction is per destination, so routing on a
// redacted view would depend on the destination being decided — the routed destination then receives
// its redacted copy.
import type { CanonicalSpan } from "../../lib/span/types.ts";
import type { CompiledRules } from "../types.ts";

export interface RouteResult {
  destinations: string[];
  fired: string[];
  usedDefault: boolean;
}

export function routeSpan(rules: CompiledRules, span: CanonicalSpan): RouteResult {
  if (rules.routes === null) return { destinations: rules.destinations as string[], fired: [], usedDefault: false };
  const fired: string[] = [];
  const to = new Set<string>();
  for (const r of rules.routes) {
    if (!r.when(span)) continue;
    fired.push(r.name);
    for (const d of r.to) to.add(d);
    if (!r.continue) break;
  }
  if (fired.length === 0) return { destinations: rules.defaultRoute as string[], fired, usedDefault: true };
  // keep the configured destination order for stable output
  return { destinations: rules.destinations.filter((d) => to.has(d)), fired, usedDefault: false };
}

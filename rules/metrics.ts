// Prometheus metrics of the rule engine, registered on the process registry given (one per process,
// see lib/telemetry/metrics.ts). Labels carry rule, detector and destination NAMES only — never values.
import { Counter, Gauge, type Registry } from "prom-client";
import type { Decisions } from "./types.ts";

export function createRulesMetrics(registry: Registry) {
  const m = {
    ruleMatches: new Counter({
      name: "tracerelay_rule_matches_total",
      help: "Spans a rule matched, by stage (sample | route | transform) and rule name.",
      labelNames: ["stage", "rule"] as const,
      registers: [registry],
    }),
    sampled: new Counter({
      name: "tracerelay_rule_sampling_total",
      help: "Sampling outcome per span by deciding rule (none = no rule matched) and outcome (kept | dropped).",
      labelNames: ["rule", "outcome"] as const,
      registers: [registry],
    }),
    redactions: new Counter({
      name: "tracerelay_redactions_total",
      help: "Values redacted, by detector (custom names and `key` for key-name rules) and destination.",
      labelNames: ["detector", "destination"] as const,
      registers: [registry],
    }),
    tailBuffered: new Gauge({ name: "tracerelay_tail_buffered_spans", help: "Spans held by the tail sampler.", registers: [registry] }),
    tailDecisions: new Counter({
      name: "tracerelay_tail_decisions_total",
      help: "Tail decisions by reason (quiet | max_trace | overflow | late | flush); overflow = decided early for the memory budget.",
      labelNames: ["reason"] as const,
      registers: [registry],
    }),
    reloads: new Counter({ name: "tracerelay_rules_reloads_total", help: "Rules reloads by outcome (ok | rejected).", labelNames: ["outcome"] as const, registers: [registry] }),
    // what a rule change costs, in production: divided by the rate of tracerelay_rule_sampling_total
    // (one per span evaluated), the router's time per span
    seconds: new Counter({
      name: "tracerelay_router_rules_seconds_total",
      help: "Time the router spent applying rules to spans: parse, the four stages, serialising each destination's copy. Not spent without rules (records are forwarded as they are).",
      registers: [registry],
    }),
    record(d: Decisions): void {
      const rule = d.sample.rule ?? "none";
      m.sampled.inc({ rule, outcome: d.sample.kept ? "kept" : "dropped" });
      if (d.sample.rule) m.ruleMatches.inc({ stage: "sample", rule });
      for (const r of d.routes) m.ruleMatches.inc({ stage: "route", rule: r });
      for (const [destination, byDetector] of Object.entries(d.redactions)) {
        for (const [detector, n] of Object.entries(byDetector)) m.redactions.inc({ detector, destination }, n);
      }
      for (const names of Object.values(d.transforms)) for (const r of names) m.ruleMatches.inc({ stage: "transform", rule: r });
    },
  };
  return m;
}

export type RulesMetrics = ReturnType<typeof createRulesMetrics>;

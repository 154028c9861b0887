// Types of the rules document (schemas/rules.schema.json) and of its compiled form.
import type { CanonicalSpan } from "../lib/span/types.ts";
import type { Detector } from "./detectors/index.ts";
import type { Condition } from "./logic.ts";
import type { TransformPlan } from "./stages/transform.ts";

export type RedactableField =
  | "input"
  | "output"
  | "thinking"
  | "attributes"
  | "tool_calls"
  | "events"
  | "model_parameters"
  | "status_message"
  | "user_id"
  | "session_id"
  | "tags"
  | "name"
  | "prompt";

export interface SamplingRuleDoc {
  name?: string;
  when?: unknown;
  keep: number;
}
export interface RedactionRuleDoc {
  name?: string;
  detectors?: string[];
  custom?: Array<{ name: string; pattern: string; flags?: string }>;
  keys?: string[];
  fields?: RedactableField[];
  mode?: "mask" | "hash" | "drop";
  destinations?: string[];
}
export interface RouteRuleDoc {
  name: string;
  when?: unknown;
  to: string[];
  continue?: boolean;
  priority?: number;
}
export interface TransformRuleDoc {
  name?: string;
  when?: unknown;
  destinations?: string[];
  set?: Record<string, unknown>;
  rename?: Record<string, string>;
  delete?: string[];
  enrich?: Array<{ from: string; to: string; map: Record<string, string | number | boolean>; default?: string | number | boolean }>;
  truncate?: { fields?: RedactableField[]; max_chars: number };
}
export interface TailSettings {
  decision_wait_ms?: number;
  max_trace_ms?: number;
  max_buffered_spans?: number;
  max_buffered_bytes?: number;
  decided_cache_size?: number;
}
export interface RulesDoc {
  sampling?: SamplingRuleDoc[];
  tail?: TailSettings;
  hash_key?: string;
  redaction?: RedactionRuleDoc[];
  routes?: RouteRuleDoc[];
  default_route?: "drop" | "store" | "all" | string[];
  transforms?: TransformRuleDoc[];
}

export interface CompiledSampling {
  name: string;
  when: Condition;
  keep: number;
  usesTrace: boolean;
}
export interface CompiledRedaction {
  name: string;
  index: number;
  detectors: Detector[];
  /** Matches an object key any of the rule's key globs matches; null without key globs. */
  keys: RegExp | null;
  fields: RedactableField[];
  mode: "mask" | "hash" | "drop";
  /** Destinations this rule applies to. */
  destinations: ReadonlySet<string>;
}
/** Every redaction rule's detectors (built-ins in their order, then the custom ones) and fields together. */
export interface RedactionScan {
  /** The rules with key globs. */
  keyRules: readonly CompiledRedaction[];
  detectors: readonly Detector[];
  fields: readonly RedactableField[];
}
export interface CompiledRoute {
  name: string;
  when: Condition;
  to: string[];
  continue: boolean;
}
export interface CompiledTransform {
  name: string;
  when: Condition;
  destinations: ReadonlySet<string>;
  doc: TransformRuleDoc;
  plan: TransformPlan;
}

/** Rules of one stage applying to a destination, in order, with the cache keys of their prefixes. */
export interface Chain<R> {
  rules: readonly R[];
  /** keys[n] identifies rules.slice(0, n + 1). */
  keys: readonly string[];
}

/** Which redaction and transform rules apply to a destination: worked out once, when the rules are compiled. */
export interface DestinationPlan {
  redaction: Chain<CompiledRedaction>;
  transforms: Chain<CompiledTransform>;
}

export interface CompiledRules {
  readonly destinations: readonly string[];
  readonly sampling: readonly CompiledSampling[];
  /** True when a sampling rule reads `trace.*`: spans must pass through a TailSampler first. */
  readonly tail: boolean;
  readonly tailSettings: Required<TailSettings>;
  readonly redaction: readonly CompiledRedaction[];
  readonly hashKey: string | undefined;
  /** null = no `routes:` section (every destination receives every kept span). */
  readonly routes: readonly CompiledRoute[] | null;
  readonly defaultRoute: readonly string[];
  readonly transforms: readonly CompiledTransform[];
  /** Per destination: the redaction and transform rules that apply to it. */
  readonly plans: ReadonlyMap<string, DestinationPlan>;
  /** What one pass over a span looks at so every redaction rule can reuse it; null without redaction rules. */
  readonly redactionScan: RedactionScan | null;
  /** The document it was compiled from (for GET /api/v1/rules). */
  readonly doc: RulesDoc;
}

/** `trace.*` aggregates that tail-sampling conditions can read. */
export interface TraceAggregates {
  has_error: boolean;
  total_cost_usd: number;
  total_tokens: number;
  duration_ms: number;
  span_count: number;
  root_name: string | null;
  models: string[];
}

export interface SampleDecision {
  rule: string | null;
  keep: number;
  kept: boolean;
  mode: "none" | "head" | "tail";
}

export interface Decisions {
  sample: SampleDecision;
  /** Route rules that matched, in evaluation order. */
  routes: string[];
  /** True when no route matched and the default route applied. */
  defaultRoute: boolean;
  /** Per destination: redactions by detector (`key` for key-name rules, custom names as given). */
  redactions: Record<string, Record<string, number>>;
  /** Per destination: transform rules that applied. */
  transforms: Record<string, string[]>;
}

export interface ApplyResult {
  decisions: Decisions;
  /** What each destination receives. Destinations absent from the map receive nothing. The original span object is shared (not copied) where nothing changed it. */
  perDestination: Map<string, CanonicalSpan>;
}

// Rules document → CompiledRules. Validation is two layers, and EVERY problem is reported at once:
//  1. schemas/rules.schema.json (ajv): shape, unknown keys, enums;
//  2. semantic checks: json-logic operations and regex arguments, custom regexes, destination names,
//     transform paths, `hash_key` present for hash mode, duplicate rule names.
// Each problem reads `<file:line>: <stage>[<i>] "<rule name>": <reason>` when a YAML source is known
// (rules/load.ts), else `<stage>[<i>] …`.
import { Ajv2020 } from "ajv/dist/2020.js";
import { describeError, errorPath } from "../lib/config/yaml-source.ts";
import { ProblemsError } from "../lib/errors.ts";
import { validateSpan } from "../lib/span/validate.ts";
import type { CanonicalSpan } from "../lib/span/types.ts";
import rulesSchema from "../schemas/rules.schema.json" with { type: "json" };
import { DETECTOR_NAMES, DETECTORS, type Detector } from "./detectors/index.ts";
import { compileCondition } from "./condition.ts";
import { checkLogic, globsToRegex } from "./logic.ts";
import { ALL_FIELDS } from "./stages/redact.ts";
import { TAIL_DEFAULTS } from "./stages/sample.ts";
import { applyTransforms, CANONICAL_FIELDS, IDENTITY_FIELDS, isObjectField, planTransform, REQUIRED_FIELDS, splitPath } from "./stages/transform.ts";
import type { Chain, CompiledRedaction, CompiledRoute, CompiledRules, CompiledSampling, CompiledTransform, RedactionScan, RulesDoc } from "./types.ts";

export class RulesError extends ProblemsError {
  readonly code = "TR_RULES_INVALID";
  constructor(problems: string[]) {
    super("rules", problems);
    this.name = "RulesError";
  }
}

const PROBE_SPAN: CanonicalSpan = {
  schema_version: 1,
  trace_id: "0".repeat(31) + "1",
  span_id: "0".repeat(15) + "1",
  parent_span_id: null,
  project_id: "probe",
  name: "probe",
  kind: "custom",
  start_time: "2026-01-01T00:00:00.000000Z",
  status: "unset",
  source: { format: "otlp" },
};

const ajv = new Ajv2020({ allErrors: true, strict: true, allowUnionTypes: true });
const validate = ajv.compile(rulesSchema);

export interface CompileOptions {
  /** Configured destination names (routes and scopes may only name these). */
  destinations: readonly string[];
  /** Maps a JSON path inside the rules document to `file:line` (rules/load.ts provides it). */
  locate?: (path: ReadonlyArray<string | number>) => string;
}

type Path = ReadonlyArray<string | number>;

/** Validates and compiles; throws RulesError listing every problem. */
export function compileRules(doc: unknown, opts: CompileOptions): CompiledRules {
  const problems: string[] = [];
  const where = (path: Path) => (opts.locate ? `${opts.locate(path)}: ` : "");
  const input = doc ?? {};
  if (!validate(input)) {
    for (const e of validate.errors ?? []) {
      const path = errorPath(e);
      problems.push(`${where(path)}${label(input, path)}: ${describeError(e, "schemas/rules.schema.json")}`);
    }
    throw new RulesError(problems);
  }
  const rules = input as RulesDoc;
  const known = new Set(opts.destinations);
  const fail = (path: Path, msg: string) => problems.push(`${where(path)}${label(rules, path)}: ${msg}`);
  const checkDest = (path: Path, list: readonly string[] | undefined) => {
    list?.forEach((d, i) => {
      if (!known.has(d)) fail([...path, i], `unknown destination "${d}" (configured: ${[...known].join(", ") || "none"})`);
    });
  };
  const checkCond = (path: Path, when: unknown, allowTrace: boolean) => {
    if (when === undefined) return false;
    const c = checkLogic(when);
    for (const p of c.problems) fail(path, p);
    if (c.usesTrace && !allowTrace) fail(path, "trace.* aggregates are only available in sampling rules");
    return c.usesTrace;
  };
  const names = (stage: string, list: Array<{ name?: string }> | undefined) => {
    const seen = new Set<string>();
    list?.forEach((r, i) => {
      if (r.name === undefined) return;
      if (seen.has(r.name)) fail([stage, i, "name"], `duplicate rule name "${r.name}"`);
      seen.add(r.name);
    });
  };

  // sampling
  const sampling: CompiledSampling[] = [];
  names("sampling", rules.sampling);
  rules.sampling?.forEach((r, i) => {
    const usesTrace = checkCond(["sampling", i, "when"], r.when, true);
    sampling.push({ name: r.name ?? `sampling[${i}]`, when: compileCondition(r.when), keep: r.keep, usesTrace });
  });

  // redaction
  const redaction: CompiledRedaction[] = [];
  names("redaction", rules.redaction);
  rules.redaction?.forEach((r, i) => {
    checkDest(["redaction", i, "destinations"], r.destinations);
    const detectors: Detector[] = [];
    const wanted = r.detectors?.includes("all") ? DETECTOR_NAMES : (r.detectors ?? []);
    for (const n of DETECTOR_NAMES) if (wanted.includes(n)) detectors.push(DETECTORS[n]);
    r.custom?.forEach((c, j) => {
      try {
        detectors.push({ name: c.name, pattern: new RegExp(c.pattern, (c.flags ?? "") + "g"), minLength: 1 });
        if (new RegExp(c.pattern, c.flags ?? "").test("")) fail(["redaction", i, "custom", j, "pattern"], `regex /${c.pattern}/ matches the empty string`);
      } catch (err) {
        fail(["redaction", i, "custom", j, "pattern"], `bad regex: ${(err as Error).message}`);
      }
    });
    if (!r.detectors && !r.custom && !r.keys) fail(["redaction", i], "a redaction rule needs detectors, custom or keys");
    const mode = r.mode ?? "mask";
    if (mode === "hash" && !rules.hash_key) fail(["redaction", i, "mode"], "mode hash needs a top-level hash_key (e.g. ${TRACERELAY_HASH_KEY})");
    redaction.push({
      name: r.name ?? `redaction[${i}]`,
      index: i,
      detectors,
      keys: r.keys?.length ? globsToRegex(r.keys, "i") : null,
      fields: r.fields ?? [...ALL_FIELDS],
      mode,
      destinations: new Set(r.destinations ?? opts.destinations),
    });
  });

  // routes
  let routes: CompiledRoute[] | null = null;
  names("routes", rules.routes);
  if (rules.routes) {
    const order = rules.routes.map((r, i) => ({ r, i })).sort((a, b) => (b.r.priority ?? 0) - (a.r.priority ?? 0) || a.i - b.i);
    routes = order.map(({ r, i }) => {
      checkCond(["routes", i, "when"], r.when, false);
      checkDest(["routes", i, "to"], r.to);
      return { name: r.name, when: compileCondition(r.when), to: r.to, continue: r.continue ?? false };
    });
  }
  // `default_route` without `routes:` sends every kept span there (no route can match); without
  // either, every destination gets every span
  if (!rules.routes && rules.default_route !== undefined) routes = [];
  let defaultRoute: string[];
  const dr = rules.default_route ?? "store";
  if (dr === "drop") defaultRoute = [];
  else if (dr === "all") defaultRoute = [...opts.destinations];
  else if (dr === "store") {
    if (!known.has("store") && rules.default_route === "store") fail(["default_route"], `default_route store but no destination named "store"`);
    defaultRoute = known.has("store") ? ["store"] : [];
  } else {
    checkDest(["default_route"], dr);
    defaultRoute = opts.destinations.filter((d) => dr.includes(d));
  }

  // transforms
  const transforms: CompiledTransform[] = [];
  names("transforms", rules.transforms);
  rules.transforms?.forEach((t, i) => {
    checkCond(["transforms", i, "when"], t.when, false);
    checkDest(["transforms", i, "destinations"], t.destinations);
    const checkPath = (path: Path, p: string, op: "set" | "delete" | "rename-from" | "rename-to" | "read") => {
      const parts = splitPath(p);
      const head = parts[0];
      if (!CANONICAL_FIELDS.has(head)) return fail(path, `"${p}": "${head}" is not a canonical span field`);
      if (op !== "read" && IDENTITY_FIELDS.has(head)) return fail(path, `"${p}": identity field ${head} cannot be changed`);
      if ((op === "delete" || op === "rename-from") && parts.length === 1 && REQUIRED_FIELDS.has(head)) return fail(path, `"${p}": required field ${head} cannot be removed`);
      if (parts.length > 1 && !isObjectField(head)) return fail(path, `"${p}": ${head} has no sub-fields`);
      if (parts.some((x) => x === "")) fail(path, `"${p}": empty path segment`);
    };
    const before = problems.length;
    for (const p of Object.keys(t.set ?? {})) checkPath(["transforms", i, "set", p], p, "set");
    const setPathsOk = problems.length === before;
    for (const [from, to] of Object.entries(t.rename ?? {})) {
      checkPath(["transforms", i, "rename", from], from, "rename-from");
      checkPath(["transforms", i, "rename", from], to, "rename-to");
    }
    t.delete?.forEach((p, j) => {
      checkPath(["transforms", i, "delete", j], p, "delete");
    });
    t.enrich?.forEach((e, j) => {
      checkPath(["transforms", i, "enrich", j, "from"], e.from, "read");
      checkPath(["transforms", i, "enrich", j, "to"], e.to, "set");
    });
    if (t.set && setPathsOk) {
      // the values must keep a span valid: apply them to a minimal valid span and validate it
      const doc = { set: t.set };
      const probe = applyTransforms(PROBE_SPAN, [{ name: "probe", when: () => true, destinations: new Set(["probe"]), doc, plan: planTransform(doc) }], []);
      const v = validateSpan(probe);
      if (!v.ok) for (const e of v.errors) fail(["transforms", i, "set"], `the values set would make spans invalid: ${e}`);
    }
    if (!t.set && !t.rename && !t.delete && !t.enrich && !t.truncate) fail(["transforms", i], "a transform needs set, rename, delete, enrich or truncate");
    transforms.push({ name: t.name ?? `transforms[${i}]`, when: compileCondition(t.when), destinations: new Set(t.destinations ?? opts.destinations), doc: t, plan: planTransform(t) });
  });

  if (problems.length) throw new RulesError(problems);
  return Object.freeze({
    destinations: [...opts.destinations],
    sampling,
    tail: sampling.some((s) => s.usesTrace),
    tailSettings: { ...TAIL_DEFAULTS, ...rules.tail },
    redaction,
    hashKey: rules.hash_key,
    routes,
    defaultRoute,
    transforms,
    plans: new Map(opts.destinations.map((d) => [d, { redaction: chainFor(redaction, d), transforms: chainFor(transforms, d) }])),
    redactionScan: redaction.length ? redactionScanOf(redaction) : null,
    doc: rules,
  });
}

/**
 * The union of the redaction rules' detectors and fields. Built-ins keep their global order and the
 * custom regexes follow, so each rule's own detectors keep their relative order (the overlap
 * tie-break) within the union.
 */
function redactionScanOf(rules: readonly CompiledRedaction[]): RedactionScan {
  const all = new Set(rules.flatMap((r) => r.detectors));
  const builtins = Object.values(DETECTORS).filter((d) => all.has(d));
  const custom = [...all].filter((d) => !builtins.includes(d));
  return { keyRules: rules.filter((r) => r.keys !== null), detectors: [...builtins, ...custom], fields: [...new Set(rules.flatMap((r) => r.fields))] };
}

/** The rules of one stage that apply to `destination`, with the cache key of each prefix (engine.ts). */
function chainFor<R extends { destinations: ReadonlySet<string> }>(all: readonly R[], destination: string): Chain<R> {
  const rules: R[] = [];
  const keys: string[] = [];
  let key = "";
  all.forEach((r, i) => {
    if (!r.destinations.has(destination)) return;
    rules.push(r);
    key += `${i},`;
    keys.push(key);
  });
  return { rules, keys };
}

/** `stage[i] "name"` for problems inside a rule, else the dotted path. */
function label(doc: unknown, path: Path): string {
  const [stage, index] = path;
  if (typeof stage === "string" && index !== undefined && /^\d+$/.test(String(index))) {
    const list = (doc as Record<string, unknown> | null)?.[stage];
    const rule = Array.isArray(list) ? (list[Number(index)] as { name?: unknown } | undefined) : undefined;
    const name = typeof rule?.name === "string" ? ` "${rule.name}"` : "";
    const rest = path.slice(2).join(".");
    return `${stage}[${index}]${name}${rest ? ` ${rest}` : ""}`;
  }
  return path.join(".") || "(top level)";
}

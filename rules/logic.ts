// json-logic for rule conditions, on a PRIVATE copy of json-logic-js.
//
// json-logic-js keeps its operations in one module-level table and `add_operation` mutates it, so
// registering our operations on the shared module would change behaviour for every other user of the
// library in the process. Instead this file loads its own instance: it requires the CommonJS module
// with the require-cache entry temporarily removed (then restores the cache), so other importers keep
// the pristine shared instance and only this one has the custom operations below.
//
// Custom operations (all pure, no I/O):
//   {"match":       [value, "regex", "flags"?]}  regex test (flags default ""; compiled once, cached)
//   {"glob":        [value, "pattern"]}          * and ? wildcards, whole-string, case-sensitive
//   {"starts_with": [value, "prefix"]}
//   {"in_list":     [value, ["a","b",…]]}        membership (strings, numbers, booleans)
// `method` (calls arbitrary methods on data) is refused by the checker: rules are user input.
import { createRequire } from "node:module";
import type jsonLogicType from "json-logic-js";

type JsonLogic = typeof jsonLogicType;

function privateInstance(): JsonLogic {
  const require = createRequire(import.meta.url);
  const id = require.resolve("json-logic-js");
  const shared = require.cache[id];
  delete require.cache[id];
  try {
    return require("json-logic-js") as JsonLogic;
  } finally {
    if (shared) require.cache[id] = shared;
    else delete require.cache[id];
  }
}

export const jsonLogic: JsonLogic = privateInstance();

const regexCache = new Map<string, RegExp>();
export function cachedRegex(source: string, flags = ""): RegExp {
  const key = flags + "/" + source;
  let re = regexCache.get(key);
  if (!re) {
    re = new RegExp(source, flags.replace(/g|y/g, ""));
    if (regexCache.size > 1000) regexCache.clear();
    regexCache.set(key, re);
  }
  return re;
}

const globBody = (glob: string): string => glob.replace(/[.+^${}()|[\]\\]/g, "\\$&").replace(/\*/g, ".*").replace(/\?/g, ".");

export function globToRegex(glob: string, flags = ""): RegExp {
  return cachedRegex(`^${globBody(glob)}$`, flags);
}

/**
 * One regex matching a string that any of the globs matches (one test per string instead of one per
 * glob). A glob's leading or trailing `*` drops that anchor rather than becoming `.*`, so `*password*`
 * is a plain search for `password` (the `s` flag: a `*` or `?` inside a glob matches newlines too).
 */
export function globsToRegex(globs: readonly string[], flags = ""): RegExp {
  const alternative = (glob: string) => {
    const body = glob.replace(/^\*+/, "").replace(/\*+$/, "");
    return `${glob.startsWith("*") ? "" : "^"}${globBody(body)}${glob.endsWith("*") ? "" : "$"}`;
  };
  return cachedRegex(`(?:${globs.map(alternative).join("|")})`, flags.includes("s") ? flags : flags + "s");
}

/** The custom operations, by name (also called directly by compiled conditions: rules/condition.ts). */
export const CUSTOM_OPERATIONS: Readonly<Record<string, (...args: unknown[]) => boolean>> = {
  match: (value, source, flags) => (typeof value === "string" && typeof source === "string" ? cachedRegex(source, typeof flags === "string" ? flags : "").test(value) : false),
  glob: (value, pattern) => (typeof value === "string" && typeof pattern === "string" ? globToRegex(pattern).test(value) : false),
  starts_with: (value, prefix) => typeof value === "string" && typeof prefix === "string" && value.startsWith(prefix),
  in_list: (value, list) => Array.isArray(list) && list.includes(value),
};
for (const [name, op] of Object.entries(CUSTOM_OPERATIONS)) jsonLogic.add_operation(name, op);

const BUILTIN_OPS = new Set([
  "==", "===", "!=", "!==", ">", ">=", "<", "<=", "!!", "!", "%", "in", "cat", "substr", "+", "*", "-", "/",
  "min", "max", "merge", "var", "missing", "missing_some", "if", "?:", "and", "or", "filter", "map", "reduce",
  "all", "none", "some", "log",
]);
const CUSTOM_OPS = new Set(Object.keys(CUSTOM_OPERATIONS));

export interface LogicCheck {
  problems: string[];
  /** Whether the condition reads `trace.*` (a tail-sampling condition). */
  usesTrace: boolean;
}

/** Static checks of a condition: known operations only, regexes compile, and which data it reads. */
export function checkLogic(logic: unknown): LogicCheck {
  const problems: string[] = [];
  let usesTrace = false;
  const walk = (node: unknown): void => {
    if (Array.isArray(node)) {
      for (const n of node) walk(n);
      return;
    }
    if (node === null || typeof node !== "object") return;
    const keys = Object.keys(node);
    if (keys.length !== 1) {
      problems.push(`json-logic: an operation is an object with exactly one key, got {${keys.join(", ")}}`);
      return;
    }
    const op = keys[0];
    const args = (node as Record<string, unknown>)[op];
    if (!BUILTIN_OPS.has(op) && !CUSTOM_OPS.has(op)) {
      problems.push(`json-logic: unknown operation "${op}"`);
      return;
    }
    const list = Array.isArray(args) ? args : [args];
    if (op === "var") {
      const path = list[0];
      if (typeof path === "string" && (path === "trace" || path.startsWith("trace."))) usesTrace = true;
    }
    if (op === "match") {
      if (typeof list[1] !== "string") problems.push(`json-logic: "match" needs a literal regex string as its second argument`);
      else {
        try {
          new RegExp(list[1], typeof list[2] === "string" ? list[2] : "");
        } catch (err) {
          problems.push(`json-logic: bad regex in "match": ${(err as Error).message}`);
        }
      }
    }
    if (op === "glob" && typeof list[1] !== "string") problems.push(`json-logic: "glob" needs a literal pattern string as its second argument`);
    if (op === "in_list" && !Array.isArray(list[1])) problems.push(`json-logic: "in_list" needs a literal array as its second argument`);
    walk(list);
  };
  walk(logic);
  return { problems, usesTrace };
}

export type Condition = (data: unknown) => boolean;

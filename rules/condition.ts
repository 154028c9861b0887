// Rule conditions compiled to closures once, when the rules are compiled, instead of json-logic-js
// interpreting the rule's JSON for every span (it re-reads the operator, allocates argument arrays
// and splits `var` paths each time).
//
// The closures reproduce `jsonLogic.apply` of our private instance (rules/logic.ts) exactly: the
// operations below copy the library's definitions (same coercions, `var` defaults, `and`/`or`
// returning the deciding value, eager evaluation of every argument of an ordinary operation), and the
// custom operations are the very functions registered on the instance. Any other operation
// (arithmetic, `cat`, `missing`, `filter`/`map`/`all`…, `log`) is left to the interpreter for that
// node, so unusual conditions keep working unchanged. condition.test.ts compares both on many inputs.
import type jsonLogicType from "json-logic-js";
import { type Condition, CUSTOM_OPERATIONS, cachedRegex, globToRegex, jsonLogic } from "./logic.ts";

type Expr = (data: unknown) => unknown;

const truthy = jsonLogic.truthy; // [] is false, as json-logic has it

/** A condition as a function; no condition = always true. */
export function compileCondition(logic: unknown): Condition {
  if (logic === undefined || logic === null) return () => true;
  if (typeof logic !== "object") {
    const v = truthy(logic);
    return () => v;
  }
  const expr = compileExpr(logic);
  return (data) => truthy(expr(data));
}

const isLogic = (node: unknown): node is Record<string, unknown> => typeof node === "object" && node !== null && !Array.isArray(node) && Object.keys(node).length === 1;

/** True for a node `jsonLogic.apply` returns as it is (no operation anywhere inside). */
function isConstant(node: unknown): boolean {
  if (Array.isArray(node)) return node.every(isConstant);
  return !isLogic(node);
}

/** `jsonLogic.apply(node, data)` as a closure. */
export function compileExpr(node: unknown): Expr {
  if (isConstant(node)) return () => node; // arrays of constants: no operation reads or changes them
  if (Array.isArray(node)) {
    const items = node.map(compileExpr);
    return (data) => items.map((f) => f(data));
  }
  const logic = node as Record<string, unknown>;
  const op = Object.keys(logic)[0];
  const raw = logic[op];
  const args = Array.isArray(raw) ? raw : [raw];
  switch (op) {
    case "var":
      return compileVar(args);
    case "and":
    case "or":
      return compileAndOr(op, args.map(compileExpr));
    case "if":
    case "?:":
      return compileIf(args.map(compileExpr));
  }
  const binary = Object.hasOwn(BINARY, op) ? BINARY[op] : undefined;
  if (binary && args.length <= 2) {
    const a = compileExpr(args[0]);
    const b = compileExpr(args[1]);
    return (data) => binary(a(data), b(data));
  }
  if (op === "!" || op === "!!") {
    const fs = args.map(compileExpr);
    const not = op === "!";
    return (data) => {
      let first: unknown;
      for (let i = 0; i < fs.length; i++) {
        const v = fs[i](data);
        if (i === 0) first = v;
      }
      return truthy(first) !== not;
    };
  }
  const re = literalRegex(op, args);
  if (re) {
    const value = compileExpr(args[0]);
    const rest = args.slice(1).map(compileExpr); // evaluated like any argument (they are constants)
    return (data) => {
      const v = value(data);
      for (const f of rest) f(data);
      return typeof v === "string" ? re.test(v) : false;
    };
  }
  const custom = Object.hasOwn(CUSTOM_OPERATIONS, op) ? CUSTOM_OPERATIONS[op] : undefined;
  if (custom) {
    const fs = args.map(compileExpr);
    return (data) => custom(...fs.map((f) => f(data)));
  }
  // everything else: the interpreter, for this node and what is under it
  return (data) => jsonLogic.apply(logic as jsonLogicType.RulesLogic, data);
}

/** The regex of a `match` or `glob` with literal arguments, made once (null: decided per call). */
function literalRegex(op: string, args: unknown[]): RegExp | null {
  try {
    if (op === "match" && typeof args[1] === "string" && (args[2] === undefined || typeof args[2] === "string")) return cachedRegex(args[1], args[2] ?? "");
    if (op === "glob" && typeof args[1] === "string") return globToRegex(args[1]);
  } catch {
    // a bad regex is reported by checkLogic; the rules are refused before any condition runs
  }
  return null;
}

/** Two-argument operations, as json-logic-js defines them (`<`/`<=` with three arguments are left to the interpreter). */
const BINARY: Readonly<Record<string, (a: unknown, b: unknown) => unknown>> = {
  // biome-ignore lint/suspicious/noDoubleEquals: json-logic's == is JavaScript's loose equality
  "==": (a, b) => a == b,
  "===": (a, b) => a === b,
  // biome-ignore lint/suspicious/noDoubleEquals: json-logic's != is JavaScript's loose inequality
  "!=": (a, b) => a != b,
  "!==": (a, b) => a !== b,
  ">": (a, b) => (a as number) > (b as number),
  ">=": (a, b) => (a as number) >= (b as number),
  "<": (a, b) => (a as number) < (b as number),
  "<=": (a, b) => (a as number) <= (b as number),
  in: (a, b) => {
    if (!b || typeof (b as { indexOf?: unknown }).indexOf === "undefined") return false;
    return (b as { indexOf(x: unknown): number }).indexOf(a) !== -1;
  },
};

function compileVar(args: unknown[]): Expr {
  const lookup = (data: unknown, path: unknown, fallback: unknown, parts?: string[]): unknown => {
    const notFound = fallback === undefined ? null : fallback;
    if (typeof path === "undefined" || path === "" || path === null) return data;
    const props = parts ?? String(path).split(".");
    let cur = data;
    for (let i = 0; i < props.length; i++) {
      if (cur === null || cur === undefined) return notFound;
      cur = (cur as Record<string, unknown>)[props[i]];
      if (cur === undefined) return notFound;
    }
    return cur;
  };
  const path = args[0];
  if (isConstant(path) && isConstant(args[1])) {
    // the usual case, {"var": "usage.input_tokens"}: the path is split once
    const parts = typeof path === "undefined" || path === "" || path === null ? undefined : String(path).split(".");
    const fallback = args[1];
    return (data) => lookup(data, path, fallback, parts);
  }
  const pathExpr = compileExpr(args[0]);
  const fallbackExpr = compileExpr(args[1]);
  return (data) => lookup(data, pathExpr(data), fallbackExpr(data));
}

function compileAndOr(op: "and" | "or", fs: Expr[]): Expr {
  const stopOn = op === "or"; // `and` returns its first falsy value, `or` its first truthy one; else the last
  return (data) => {
    let current: unknown;
    for (let i = 0; i < fs.length; i++) {
      current = fs[i](data);
      if (truthy(current) === stopOn) return current;
    }
    return current;
  };
}

function compileIf(fs: Expr[]): Expr {
  return (data) => {
    let i = 0;
    for (; i < fs.length - 1; i += 2) if (truthy(fs[i](data))) return fs[i + 1](data);
    if (fs.length === i + 1) return fs[i](data);
    return null;
  };
}

import type jsonLogicType from "json-logic-js";
import { describe, expect, it } from "vitest";
import { compileCondition, compileExpr } from "./condition.ts";
import { jsonLogic } from "./logic.ts";

// Values chosen for JavaScript's coercion corners: json-logic's == and < are JavaScript's.
const VALUES: unknown[] = [null, undefined, 0, 1, -1, 3000, 3001, "3000", "", "0", "1", "a", "gpt-4o", "claude-3", "chat-x", "agent", "error", true, false, [], [0], ["eval"], ["a", "eval"], {}, { a: 1 }, Number.NaN];

const spans: unknown[] = [];
for (let i = 0; i < VALUES.length; i++) {
  const v = VALUES[i];
  const w = VALUES[(i * 7 + 3) % VALUES.length];
  spans.push({ status: v, environment: w, tags: i % 3 ? ["eval", "x"] : v, model: v, name: w, project_id: i % 2 ? "proj-1" : v, usage: i % 4 ? { input_tokens: v } : v, a: { b: { c: w } } });
}
spans.push(null, undefined, 5, "text", [1, 2]);

const CONDITIONS: unknown[] = [
  true, false, 0, "", "x", [], [1], { a: 1, b: 2 },
  { var: "status" }, { var: ["usage.input_tokens", 7] }, { var: "" }, { var: [] }, { var: null }, { var: 1 }, { var: "a.b.c" }, { var: ["missing.path"] },
  { var: [{ var: "environment" }] }, { var: ["nope", { var: "status" }] },
  { "==": [{ var: "status" }, "error"] }, { "==": [{ var: "environment" }, null] }, { "===": [{ var: "status" }, 1] },
  { "!=": [{ var: "status" }, 0] }, { "!==": [{ var: "model" }, "gpt-4o"] }, { "==": [{ var: "status" }] },
  { ">": [{ var: "usage.input_tokens" }, 3000] }, { ">=": [{ var: "usage.input_tokens" }, "3000"] }, { "<": [{ var: "status" }, 1] }, { "<=": [0, { var: "status" }] },
  { "<": [0, { var: "status" }, 3001] }, { "<=": [0, { var: "status" }, 1] },
  { in: ["eval", { var: "tags" }] }, { in: [{ var: "status" }, "error-ish"] }, { in: ["a", { var: "name" }] },
  { "!": { var: "status" } }, { "!": [{ var: "status" }, 1] }, { "!!": [{ var: "tags" }] }, { "!": [] },
  { and: [{ var: "status" }, { var: "environment" }] }, { or: [{ var: "status" }, { var: "environment" }] }, { and: [] }, { or: [] },
  { if: [{ var: "status" }, { var: "environment" }, "else"] }, { if: [{ var: "status" }, 1, { var: "model" }, 2, 3] }, { "?:": [{ var: "status" }, 1, 0] }, { if: [] }, { if: [{ var: "status" }, 1] },
  { glob: [{ var: "model" }, "gpt-*"] }, { glob: [{ var: "model" }, { var: "name" }] }, { starts_with: [{ var: "model" }, "claude"] },
  { match: [{ var: "name" }, "^(chat|agent)"] }, { match: [{ var: "name" }, "^A", "i"] }, { match: [{ var: "name" }, "^a", 5] },
  { in_list: [{ var: "project_id" }, ["proj-1", "proj-2", 1]] }, { in_list: [{ var: "project_id" }, { var: "tags" }] },
  { "+": [{ var: "status" }, 1] }, { cat: [{ var: "model" }, "-x"] }, { missing: ["status", "nope"] }, { some: [{ var: "tags" }, { "==": [{ var: "" }, "eval"] }] },
  { and: [{ "==": [{ var: "status" }, "error"] }, { or: [{ glob: [{ var: "model" }, "gpt-*"] }, { ">": [{ var: "usage.input_tokens" }, 3000] }] }] },
  [{ var: "status" }, 1],
];

describe("compiled conditions", () => {
  it("give json-logic-js's result for every condition and span", () => {
    let compared = 0;
    for (const logic of CONDITIONS) {
      const compiled = compileCondition(logic);
      const expr = compileExpr(logic);
      for (const data of spans) {
        const want = jsonLogic.apply(logic as jsonLogicType.RulesLogic, data);
        expect(expr(data), JSON.stringify({ logic, data })).toEqual(want);
        expect(compiled(data), JSON.stringify({ logic, data })).toBe(jsonLogic.truthy(want));
        compared++;
      }
    }
    expect(compared).toBeGreaterThan(1500);
  });

  it("no condition is always true", () => {
    expect(compileCondition(undefined)({})).toBe(true);
    expect(compileCondition(null)({})).toBe(true);
  });
});

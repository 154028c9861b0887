import jsonLogicShared from "json-logic-js";
import { describe, expect, it } from "vitest";
import { compileRules, RulesError } from "./compile.ts";
import { compileRulesText } from "./load.ts";
import { jsonLogic } from "./logic.ts";

const destinations = ["store", "langfuse"];
const problemsOf = (text: string) => {
  try {
    compileRulesText(text, "rules.yaml", { destinations, env: {} });
    return [];
  } catch (err) {
    expect(err).toBeInstanceOf(RulesError);
    return (err as RulesError).problems;
  }
};

describe("rules validation", () => {
  it("reports every semantic problem at once with file:line, rule name and reason", () => {
    const text = `sampling:
  - name: bad-op
    when: { "frobnicate": [1, 2] }
    keep: 0.5
redaction:
  - name: bad-regex
    custom: [{ name: order, pattern: "ORD-(" }]
    destinations: [nowhere]
  - name: hashing
    detectors: [email]
    mode: hash
routes:
  - name: to-unknown
    when: { match: [ { var: name }, "([" ] }
    to: [langfuse, datadog]
  - name: trace-in-route
    when: { var: trace.has_error }
    to: [store]
transforms:
  - name: bad-paths
    set: { trace_id: x, "nonsense.x": 1 }
    delete: [name]
`;
    expect(problemsOf(text)).toEqual([
      `rules.yaml:3: sampling[0] "bad-op" when: json-logic: unknown operation "frobnicate"`,
      `rules.yaml:8: redaction[0] "bad-regex" destinations.0: unknown destination "nowhere" (configured: store, langfuse)`,
      `rules.yaml:7: redaction[0] "bad-regex" custom.0.pattern: bad regex: Invalid regular expression: /ORD-(/g: Unterminated group`,
      `rules.yaml:11: redaction[1] "hashing" mode: mode hash needs a top-level hash_key (e.g. \${TRACERELAY_HASH_KEY})`,
      `rules.yaml:14: routes[0] "to-unknown" when: json-logic: bad regex in "match": Invalid regular expression: /([/: Unterminated character class`,
      `rules.yaml:15: routes[0] "to-unknown" to.1: unknown destination "datadog" (configured: store, langfuse)`,
      `rules.yaml:17: routes[1] "trace-in-route" when: trace.* aggregates are only available in sampling rules`,
      `rules.yaml:21: transforms[0] "bad-paths" set.trace_id: "trace_id": identity field trace_id cannot be changed`,
      `rules.yaml:21: transforms[0] "bad-paths" set.nonsense.x: "nonsense.x": "nonsense" is not a canonical span field`,
      `rules.yaml:22: transforms[0] "bad-paths" delete.0: "name": required field name cannot be removed`,
    ]);
  });

  it("reports schema problems (unknown keys, enums, types) with lines", () => {
    const text = `routes:
  - name: r
    to: [store]
    stop: true
redaction:
  - detectors: [email, passport]
    mode: blur
extra: 1
`;
    expect(problemsOf(text)).toEqual([
      `rules.yaml:8: extra: unknown setting (check the spelling; see schemas/rules.schema.json)`,
      `rules.yaml:6: redaction[0] detectors.1: must be equal to one of the allowed values: email, phone, credit_card, us_ssn, iban, ip_address, api_key, jwt, bearer_token, all`,
      `rules.yaml:7: redaction[0] mode: must be equal to one of the allowed values: mask, hash, drop`,
      `rules.yaml:4: routes[0] "r" stop: unknown setting (check the spelling; see schemas/rules.schema.json)`,
    ]);
  });

  it("reads the rules: section of a full tracerelay.yaml and reports its lines", () => {
    const text = `server:
  port: 4318
rules:
  routes:
    - name: x
      to: [nope]
`;
    expect(problemsOf(text)).toEqual([`rules.yaml:6: routes[0] "x" to.0: unknown destination "nope" (configured: store, langfuse)`]);
  });

  it("transform set values that would make spans invalid are refused", () => {
    const problems = problemsOf(`transforms:\n  - name: s\n    set: { kind: robot, "attributes.ok": 1 }\n`);
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatch(/^rules\.yaml:3: transforms\[0\] "s" set: the values set would make spans invalid: \/kind must be equal to one of the allowed values/);
  });

  it("YAML syntax errors are located", () => {
    expect(problemsOf("routes:\n  - name: [unclosed\n")[0]).toMatch(/^rules\.yaml:\d+: YAML syntax: /);
  });

  it("an empty document compiles to pass-through", () => {
    const r = compileRules(undefined, { destinations });
    expect(r.routes).toBeNull();
    expect(r.sampling).toEqual([]);
  });
});

describe("json-logic custom operations", () => {
  it("work in our private instance", () => {
    expect(jsonLogic.apply({ match: [{ var: "m" }, "^gpt-4", "i"] }, { m: "GPT-4o" })).toBe(true);
    expect(jsonLogic.apply({ glob: [{ var: "m" }, "claude-*-4*"] }, { m: "claude-sonnet-4" })).toBe(true);
    expect(jsonLogic.apply({ starts_with: [{ var: "m" }, "o1"] }, { m: "gpt" })).toBe(false);
    expect(jsonLogic.apply({ in_list: [{ var: "e" }, ["prod", "staging"]] }, { e: "prod" })).toBe(true);
  });
  it("do not leak into the shared json-logic-js module", () => {
    expect(jsonLogic).not.toBe(jsonLogicShared);
    expect(() => jsonLogicShared.apply({ match: ["a", "a"] } as never, {})).toThrow(/Unrecognized operation match/);
  });
});

import { describe, expect, it } from "vitest";
import { ConfigError, parseConfigText } from "./load.ts";

describe("config: rules section", () => {
  it("is validated with schemas/rules.schema.json and the semantic checks, located in the config file", () => {
    const text = `destinations:
  langsmith:
    type: langsmith
    api_key: lsv2_test_key_0123456789
rules:
  routes:
    - name: prod
      to: [langsmith, datadog]
  redaction:
    - detectors: [email]
      mode: blur
`;
    let problems: string[] = [];
    try {
      parseConfigText(text, "tracerelay.yaml", {});
    } catch (err) {
      expect(err).toBeInstanceOf(ConfigError);
      problems = (err as ConfigError).problems;
    }
    expect(problems).toEqual([`tracerelay.yaml:11: rules.redaction[0] mode: must be equal to one of the allowed values: mask, hash, drop`]);
    const semantic = text.replace("      mode: blur\n", "");
    try {
      parseConfigText(semantic, "tracerelay.yaml", {});
      problems = [];
    } catch (err) {
      problems = (err as ConfigError).problems;
    }
    expect(problems).toEqual([`tracerelay.yaml:8: rules.routes[0] "prod" to.1: unknown destination "datadog" (configured: store, langsmith)`]);
  });

  it("accepts valid rules", () => {
    const value = parseConfigText(`rules:\n  sampling:\n    - keep: 0.5\n`, "tracerelay.yaml", {});
    expect(value.rules).toEqual({ sampling: [{ keep: 0.5 }] });
  });
});

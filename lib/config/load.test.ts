import { mkdtemp, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { ConfigError, loadConfig, parseConfigText } from "./index.ts";

describe("config", () => {
  it("defaults with nothing given; env and flags override in that order", async () => {
    const c = await loadConfig({ env: { TRACERELAY_PORT: "5000", TRACERELAY_DATA_DIR: "/tmp/x" }, overrides: { port: 6000 } });
    expect(c.server.port).toBe(6000);
    expect(c.data_dir).toBe("/tmp/x");
    expect(c.bus.kind).toBe("embedded");
    expect(c.destinations.store).toEqual({ type: "store" });
  });

  it("reads a file, expands ${ENV} references, merges over defaults", async () => {
    const dir = await mkdtemp(join(tmpdir(), "cfg-"));
    const file = join(dir, "tracerelay.yaml");
    await writeFile(file, "server:\n  port: 7000\nwebhooks:\n  ci:\n    secret: ${HOOK_SECRET}\n");
    const c = await loadConfig({ file, env: { HOOK_SECRET: "0123456789abcdef-secret" } });
    expect(c.server.port).toBe(7000);
    expect(c.server.max_json_depth).toBe(64);
    expect(c.webhooks.ci.secret).toBe("0123456789abcdef-secret");
  });

  it("reports every problem at once with file:line and the setting", () => {
    const text = ["server:", "  port: not-a-number", "  prot: 1", "bus:", "  kind: rabbit", "webhooks:", "  a:", "    secret: ${MISSING_VAR}"].join("\n");
    let err: unknown;
    try {
      parseConfigText(text, "t.yaml", {});
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(ConfigError);
    expect((err as ConfigError).problems).toEqual(["t.yaml:8: environment variable MISSING_VAR is referenced but not set"]);
    try {
      parseConfigText(text.replace("${MISSING_VAR}", "long-enough-secret-1"), "t.yaml", {});
    } catch (e) {
      err = e;
    }
    const problems = (err as ConfigError).problems.join("\n");
    expect(problems).toContain("t.yaml:2: server.port: must be integer");
    expect(problems).toContain("t.yaml:3: server.prot: unknown setting");
    expect(problems).toContain("t.yaml:5: bus.kind: must be equal to one of the allowed values: embedded, kafka");
  });

  it("refuses YAML syntax errors with a line", () => {
    expect(() => parseConfigText("server:\n  port: [1,\n", "bad.yaml", {})).toThrow(/bad\.yaml:\d+: YAML syntax/);
  });
});

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
  it("kafka bus: brokers and options from the file, TRACERELAY_KAFKA_BROKERS overrides, brokers required", async () => {
    const dir = await mkdtemp(join(tmpdir(), "cfg-"));
    const file = join(dir, "tracerelay.yaml");
    await writeFile(file, "bus:\n  kind: kafka\n  brokers: [k1:9092]\n  topic_prefix: prod.\n  replication_factor: 3\n  sasl:\n    mechanism: scram-sha-512\n    username: u\n    password: p\n  ssl: true\n");
    const c = await loadConfig({ file, env: {} });
    expect(c.bus).toMatchObject({ kind: "kafka", brokers: ["k1:9092"], topic_prefix: "prod.", replication_factor: 3, ssl: true, sasl: { mechanism: "scram-sha-512" } });
    const e = await loadConfig({ file, env: { TRACERELAY_KAFKA_BROKERS: "a:1, b:2" } });
    expect(e.bus.brokers).toEqual(["a:1", "b:2"]);
    await expect(loadConfig({ env: { TRACERELAY_BUS_KIND: "kafka" } })).rejects.toThrow("bus.brokers: required with bus.kind kafka");
    await expect(loadConfig({ env: { TRACERELAY_KAFKA_BROKERS: "nohost" } })).rejects.toThrow("TRACERELAY_KAFKA_BROKERS=nohost");
    expect(() => parseConfigText("bus:\n  brokers: ['bad host']\n  sasl:\n    mechanism: gssapi\n", "k.yaml", {})).toThrow(/k\.yaml:2: bus\.brokers\.0[\s\S]*k\.yaml:4: bus\.sasl\.mechanism/);
  });
});

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

describe("destination blocks", () => {
  it("are validated by their destination's schema with file:line, every problem at once, secrets never echoed", async () => {
    const { writeFile, mkdtemp } = await import("node:fs/promises");
    const { tmpdir } = await import("node:os");
    const { join } = await import("node:path");
    const dir = await mkdtemp(join(tmpdir(), "tr-dest-"));
    const file = join(dir, "tracerelay.yaml");
    await writeFile(
      file,
      `destinations:
  hook:
    type: webhook
    url: ftp://nowhere
    secret: short-secret
  vendor:
    type: langfuse
    base_url: https://cloud.langfuse.com
    mode: sideways
`,
    );
    const err = await loadConfig({ file, env: {} }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ConfigError);
    const problems = (err as ConfigError).problems;
    expect(problems.some((p) => p.startsWith(`${file}:2: destinations.hook:`) && p.includes("url"))).toBe(true);
    expect(problems.some((p) => p.startsWith(`${file}:2: destinations.hook:`) && p.includes("secret"))).toBe(true);
    expect(problems.some((p) => p.startsWith(`${file}:6: destinations.vendor:`))).toBe(true);
    expect(problems.join("\n")).not.toContain("short-secret");
  });

  it("reads secrets from files with ${file:…} and says which file is missing", async () => {
    const { writeFile, mkdtemp } = await import("node:fs/promises");
    const { tmpdir } = await import("node:os");
    const { join } = await import("node:path");
    const dir = await mkdtemp(join(tmpdir(), "tr-dest-"));
    await writeFile(join(dir, "hook-secret"), "whsec_from_a_file_0123456789\n");
    const file = join(dir, "tracerelay.yaml");
    await writeFile(file, `destinations:\n  hook:\n    type: webhook\n    url: https://example.test/h\n    secret: \${file:${join(dir, "hook-secret")}}\n`);
    const config = await loadConfig({ file, env: {} });
    expect(config.destinations.hook.secret).toBe("whsec_from_a_file_0123456789");
    await writeFile(file, `destinations:\n  hook:\n    type: webhook\n    url: https://example.test/h\n    secret: \${file:${join(dir, "missing")}}\n`);
    await expect(loadConfig({ file, env: {} })).rejects.toThrow(`${file}:5: file ${join(dir, "missing")} is referenced but cannot be read (ENOENT)`);
  });
});

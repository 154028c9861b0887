// Loads tracerelay.yaml: parse (keeping line numbers) → expand ${ENV_VAR} references → validate against
// schemas/config.schema.json → merge over DEFAULTS → apply environment and CLI overrides.
// Invalid configuration is refused with EVERY problem at once, each as `file:line: setting: reason`.
import { readFile } from "node:fs/promises";
import { Ajv2020 } from "ajv/dist/2020.js";
import configSchema from "../../schemas/config.schema.json" with { type: "json" };
import { type Config, DEFAULTS } from "./defaults.ts";
import { destinationProblems } from "../../destinations/index.ts";
import { compileRules, RulesError } from "../../rules/compile.ts";
import { ProblemsError } from "../errors.ts";
import { describeError, errorPath, parseYamlSource } from "./yaml-source.ts";

export class ConfigError extends ProblemsError {
  readonly code = "TR_CONFIG_INVALID";
  constructor(problems: string[]) {
    super("configuration", problems);
    this.name = "ConfigError";
  }
}

/**
 * Every TRACERELAY_* environment variable tracerelay reads (here, in bin/tracerelay.ts, lib/auth,
 * lib/telemetry and lib/dlq). Deployment files (docker-compose.yml, the Helm chart) are checked against this list by
 * scripts/deploy/deploy.test.ts, which also checks the list against the sources.
 */
export const TRACERELAY_ENV_VARS = [
  "TRACERELAY_CONFIG",
  "TRACERELAY_PORT",
  "TRACERELAY_HOST",
  "TRACERELAY_DATA_DIR",
  "TRACERELAY_STORE_URL",
  "TRACERELAY_LOG_LEVEL",
  "TRACERELAY_BUS_KIND",
  "TRACERELAY_KAFKA_BROKERS",
  "TRACERELAY_INIT_PUBLIC_KEY",
  "TRACERELAY_INIT_SECRET_KEY",
  "TRACERELAY_INIT_ADMIN_EMAIL",
  "TRACERELAY_INIT_ADMIN_PASSWORD",
  // the client side of the dead-letter CLI (lib/dlq/cli.ts): the server's URL and a secret key
  "TRACERELAY_URL",
  "TRACERELAY_SECRET_KEY",
] as const;

const ajv = new Ajv2020({ allErrors: true, strict: true, allowUnionTypes: true });
const validate = ajv.compile(configSchema);

export interface LoadOptions {
  /** Path of the YAML file; none = defaults + environment only. */
  file?: string;
  env?: NodeJS.ProcessEnv;
  /** Highest precedence (CLI flags). */
  overrides?: { port?: number; data_dir?: string };
}

export async function loadConfig(options: LoadOptions = {}): Promise<Config> {
  const env = options.env ?? process.env;
  const file = options.file ?? env.TRACERELAY_CONFIG;
  let fromFile: Record<string, unknown> = {};
  if (file) {
    const text = await readFile(file, "utf8").catch((err: NodeJS.ErrnoException) => {
      throw new ConfigError([`${file}: cannot read: ${err.code ?? err.message}`]);
    });
    fromFile = parseConfigText(text, file, env);
  }
  const merged = deepMerge(structuredClone(DEFAULTS) as unknown as Record<string, unknown>, fromFile) as unknown as Config;
  applyEnv(merged, env);
  if (options.overrides?.port !== undefined) merged.server.port = options.overrides.port;
  if (options.overrides?.data_dir !== undefined) merged.data_dir = options.overrides.data_dir;
  return merged;
}

/** Parses and validates one YAML document; exported for `PUT` reloads and tests. */
export function parseConfigText(text: string, file: string, env: NodeJS.ProcessEnv): Record<string, unknown> {
  const src = parseYamlSource(text, file, env);
  const problems = src.problems;
  if (problems.length) throw new ConfigError(problems);
  const value = (src.value ?? {}) as Record<string, unknown>;
  if (typeof value !== "object" || Array.isArray(value)) throw new ConfigError([`${file}: the top level must be a mapping`]);
  if (!validate(value)) {
    for (const e of validate.errors ?? []) {
      const path = errorPath(e);
      problems.push(`${src.atPath(path)}: ${path.join(".") || "(top level)"}: ${describeError(e, "schemas/config.schema.json")}`);
    }
    throw new ConfigError(problems);
  }
  const destinations = (value.destinations ?? {}) as Record<string, { type: string }>;
  for (const [name, block] of Object.entries(destinations)) {
    for (const problem of destinationProblems(block)) problems.push(`${src.atPath(["destinations", name])}: destinations.${name}: ${problem.replace(/^\w+[. ]/, "")}`);
  }
  if (value.rules !== undefined) {
    // the rules section: schemas/rules.schema.json + semantic checks, located in this file
    const destinations = Object.keys({ ...DEFAULTS.destinations, ...((value.destinations as Record<string, unknown> | undefined) ?? {}) });
    try {
      compileRules(value.rules, { destinations, locate: (path) => src.atPath(["rules", ...path]) });
    } catch (err) {
      if (!(err instanceof RulesError)) throw err;
      problems.push(...err.problems.map((p) => p.replace(/^([^:]+:\d+: )/, "$1rules.")));
    }
  }
  if (problems.length) throw new ConfigError(problems);
  return value;
}

function deepMerge(target: Record<string, unknown>, source: Record<string, unknown>): Record<string, unknown> {
  for (const [k, v] of Object.entries(source)) {
    const t = target[k];
    if (v && typeof v === "object" && !Array.isArray(v) && t && typeof t === "object" && !Array.isArray(t)) {
      deepMerge(t as Record<string, unknown>, v as Record<string, unknown>);
    } else target[k] = v;
  }
  return target;
}

function applyEnv(config: Config, env: NodeJS.ProcessEnv): void {
  const problems: string[] = [];
  const int = (name: string, set: (n: number) => void) => {
    const raw = env[name];
    if (raw === undefined || raw === "") return;
    const n = Number(raw);
    if (!Number.isInteger(n) || n < 0) problems.push(`${name}=${raw}: must be a non-negative integer`);
    else set(n);
  };
  int("TRACERELAY_PORT", (n) => (config.server.port = n));
  if (env.TRACERELAY_HOST) config.server.host = env.TRACERELAY_HOST;
  if (env.TRACERELAY_DATA_DIR) config.data_dir = env.TRACERELAY_DATA_DIR;
  if (env.TRACERELAY_STORE_URL) config.store.url = env.TRACERELAY_STORE_URL;
  if (env.TRACERELAY_LOG_LEVEL) config.log_level = env.TRACERELAY_LOG_LEVEL as Config["log_level"];
  if (env.TRACERELAY_BUS_KIND) {
    if (env.TRACERELAY_BUS_KIND === "embedded" || env.TRACERELAY_BUS_KIND === "kafka") config.bus.kind = env.TRACERELAY_BUS_KIND;
    else problems.push(`TRACERELAY_BUS_KIND=${env.TRACERELAY_BUS_KIND}: must be embedded or kafka`);
  }
  if (env.TRACERELAY_KAFKA_BROKERS) {
    const brokers = env.TRACERELAY_KAFKA_BROKERS.split(",").map((b) => b.trim()).filter(Boolean);
    const bad = brokers.filter((b) => !/^[^\s:,]+:[0-9]{1,5}$/.test(b));
    if (brokers.length === 0 || bad.length) problems.push(`TRACERELAY_KAFKA_BROKERS=${env.TRACERELAY_KAFKA_BROKERS}: must be a comma-separated list of host:port`);
    else config.bus.brokers = brokers;
  }
  if (config.bus.kind === "kafka" && !config.bus.brokers?.length) problems.push("bus.brokers: required with bus.kind kafka (or set TRACERELAY_KAFKA_BROKERS)");
  if (problems.length) throw new ConfigError(problems);
}

// Loads tracerelay.yaml: parse (keeping line numbers) → expand ${ENV_VAR} references → validate against
// schemas/config.schema.json → merge over DEFAULTS → apply environment and CLI overrides.
// Invalid configuration is refused with EVERY problem at once, each as `file:line: setting: reason`.
import { readFile } from "node:fs/promises";
import { Ajv2020, type ErrorObject } from "ajv/dist/2020.js";
import { isMap, isScalar, isSeq, LineCounter, type Node, parseDocument } from "yaml";
import configSchema from "../../schemas/config.schema.json" with { type: "json" };
import { type Config, DEFAULTS } from "./defaults.ts";

export class ConfigError extends Error {
  readonly code = "TR_CONFIG_INVALID";
  readonly problems: string[];
  constructor(problems: string[]) {
    super(`invalid configuration:\n  ${problems.join("\n  ")}`);
    this.name = "ConfigError";
    this.problems = problems;
  }
}

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
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, prettyErrors: false });
  const at = (offset: number | undefined) => (offset === undefined ? file : `${file}:${lineCounter.linePos(offset).line}`);
  const problems = doc.errors.map((e) => `${at(e.pos[0])}: YAML syntax: ${e.message.split("\n")[0]}`);
  if (problems.length) throw new ConfigError(problems);
  expandEnv(doc.contents, env, (node, msg) => problems.push(`${at(node.range?.[0])}: ${msg}`));
  const value = (doc.toJS() ?? {}) as Record<string, unknown>;
  if (problems.length) throw new ConfigError(problems);
  if (typeof value !== "object" || Array.isArray(value)) throw new ConfigError([`${file}: the top level must be a mapping`]);
  if (!validate(value)) {
    for (const e of validate.errors ?? []) {
      const path = pathOf(e);
      const node = nodeAt(doc.contents, path);
      problems.push(`${at(node?.range?.[0])}: ${path.join(".") || "(top level)"}: ${describe(e)}`);
    }
    throw new ConfigError(problems);
  }
  return value;
}

const ENV_REF = /\$\{([A-Za-z_][A-Za-z0-9_]*)\}/g;

function expandEnv(node: Node | null | undefined, env: NodeJS.ProcessEnv, fail: (node: Node, msg: string) => void): void {
  if (!node) return;
  if (isScalar(node)) {
    if (typeof node.value === "string" && node.value.includes("${")) {
      node.value = node.value.replace(ENV_REF, (_, name: string) => {
        const v = env[name];
        if (v === undefined) fail(node, `environment variable ${name} is referenced but not set`);
        return v ?? "";
      });
    }
  } else if (isMap(node)) {
    for (const pair of node.items) expandEnv(pair.value as Node, env, fail);
  } else if (isSeq(node)) {
    for (const item of node.items) expandEnv(item as Node, env, fail);
  }
}

function pathOf(e: ErrorObject): string[] {
  const path = e.instancePath.split("/").slice(1).map((p) => p.replaceAll("~1", "/").replaceAll("~0", "~"));
  if (e.keyword === "additionalProperties") path.push(String((e.params as { additionalProperty: string }).additionalProperty));
  return path;
}

function describe(e: ErrorObject): string {
  if (e.keyword === "additionalProperties") return "unknown setting (check the spelling; see schemas/config.schema.json)";
  if (e.keyword === "enum") return `${e.message}: ${(e.params as { allowedValues: unknown[] }).allowedValues.join(", ")}`;
  return e.message ?? "is invalid";
}

function nodeAt(root: Node | null, path: string[]): Node | null {
  let node: Node | null = root;
  for (const key of path) {
    if (isMap(node)) {
      const pair = node.items.find((p) => (isScalar(p.key) ? String(p.key.value) : String(p.key)) === key);
      if (!pair) return node;
      node = (key === path[path.length - 1] && pair.key ? pair.key : pair.value) as Node;
    } else if (isSeq(node)) {
      node = (node.items[Number(key)] as Node) ?? node;
    } else return node;
  }
  return node;
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
  if (problems.length) throw new ConfigError(problems);
}

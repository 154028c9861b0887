// YAML with line numbers, shared by the config loader (load.ts) and the rules loader (rules/load.ts):
// parse keeping a LineCounter, expand ${ENV_VAR} references in scalars, and map a JSON path (from an
// ajv error or a semantic check) back to `file:line`. Problems are collected, never thrown one by one.
import { readFileSync } from "node:fs";
import type { ErrorObject } from "ajv";
import { type Document, isMap, isScalar, isSeq, LineCounter, type Node, parseDocument } from "yaml";

export interface YamlSource {
  doc: Document;
  /** The parsed value (undefined when there were syntax errors). */
  value: unknown;
  /** `file:line` of a source offset (just `file` when unknown). */
  at(offset: number | undefined): string;
  /** `file:line` of the node at a JSON path (the nearest existing ancestor when the path is missing). */
  atPath(path: ReadonlyArray<string | number>): string;
  problems: string[];
}

// ${NAME} (an environment variable) or ${file:/path} (a file's content without its trailing newline: how
// Kubernetes and Docker mount secrets). The value itself never reaches a message.
const ENV_REF = /\$\{(?:([A-Za-z_][A-Za-z0-9_]*)|file:([^}]+))\}/g;

/** Parses one YAML document. With `env`, ${NAME} references in scalars are expanded (unset = problem). */
export function parseYamlSource(text: string, file: string, env?: NodeJS.ProcessEnv): YamlSource {
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, prettyErrors: false });
  const at = (offset: number | undefined) => (offset === undefined ? file : `${file}:${lineCounter.linePos(offset).line}`);
  const problems = doc.errors.map((e) => `${at(e.pos[0])}: YAML syntax: ${e.message.split("\n")[0]}`);
  const atPath = (path: ReadonlyArray<string | number>) => at(nodeAt(doc.contents as Node | null, path.map(String))?.range?.[0]);
  if (problems.length) return { doc, value: undefined, at, atPath, problems };
  if (env) expandEnv(doc.contents as Node | null, env, (node, msg) => problems.push(`${at(node.range?.[0])}: ${msg}`));
  return { doc, value: doc.toJS() ?? undefined, at, atPath, problems };
}

function expandEnv(node: Node | null | undefined, env: NodeJS.ProcessEnv, fail: (node: Node, msg: string) => void): void {
  if (!node) return;
  if (isScalar(node)) {
    if (typeof node.value === "string" && node.value.includes("${")) {
      node.value = node.value.replace(ENV_REF, (_, name: string | undefined, file: string | undefined) => {
        if (file !== undefined) return readSecretFile(file.trim(), (msg) => fail(node, msg));
        const v = env[name!];
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

function readSecretFile(file: string, fail: (msg: string) => void): string {
  try {
    return readFileSync(file, "utf8").replace(/\r?\n$/, "");
  } catch (err) {
    fail(`file ${file} is referenced but cannot be read (${(err as NodeJS.ErrnoException).code ?? "error"})`);
    return "";
  }
}

/** The JSON path an ajv error points at (for unknown keys: including the offending key). */
export function errorPath(e: ErrorObject): string[] {
  const path = e.instancePath.split("/").slice(1).map((p) => p.replaceAll("~1", "/").replaceAll("~0", "~"));
  if (e.keyword === "additionalProperties") path.push(String((e.params as { additionalProperty: string }).additionalProperty));
  return path;
}

/** A human reason for an ajv error; `schemaFile` is named for unknown keys. */
export function describeError(e: ErrorObject, schemaFile: string): string {
  if (e.keyword === "additionalProperties") return `unknown setting (check the spelling; see ${schemaFile})`;
  if (e.keyword === "enum") return `${e.message}: ${(e.params as { allowedValues: unknown[] }).allowedValues.join(", ")}`;
  return e.message ?? "is invalid";
}

export function nodeAt(root: Node | null, path: string[]): Node | null {
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

// Rules from YAML text (a standalone rules.yaml, or the `rules:` section of tracerelay.yaml), with
// problems located at `file:line` via the shared YAML helper of lib/config.
import { readFile } from "node:fs/promises";
import { parseYamlSource } from "../lib/config/yaml-source.ts";
import { type CompileOptions, compileRules, RulesError } from "./compile.ts";
import type { CompiledRules } from "./types.ts";

export interface LoadRulesOptions extends Omit<CompileOptions, "locate"> {
  env?: NodeJS.ProcessEnv;
}

/**
 * Compiles rules from YAML text. A document with a top-level `rules:` key (a full tracerelay.yaml) is
 * read from that key; otherwise the whole document is the rules.
 */
export function compileRulesText(text: string, file: string, opts: LoadRulesOptions): CompiledRules {
  const src = parseYamlSource(text, file, opts.env ?? process.env);
  if (src.problems.length) throw new RulesError(src.problems);
  const value = src.value ?? {};
  const nested = value !== null && typeof value === "object" && !Array.isArray(value) && "rules" in value;
  const doc = nested ? (value as Record<string, unknown>).rules : value;
  const prefix = nested ? ["rules"] : [];
  return compileRules(doc, { destinations: opts.destinations, locate: (path) => src.atPath([...prefix, ...path]) });
}

export async function loadRulesFile(file: string, opts: LoadRulesOptions): Promise<CompiledRules> {
  const text = await readFile(file, "utf8").catch((err: NodeJS.ErrnoException) => {
    throw new RulesError([`${file}: cannot read: ${err.code ?? err.message}`]);
  });
  return compileRulesText(text, file, opts);
}

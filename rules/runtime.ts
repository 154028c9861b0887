// The live rule set of a process and its hot reload.
//
// RulesHolder keeps ONE immutable CompiledRules and swaps it atomically: a new document is compiled
// completely (and validated) first, then the reference is replaced in one assignment. The router reads
// the reference once per batch, so every span of a batch is processed by exactly one complete rule
// set — never a half-loaded one. A rejected reload keeps the old rules and returns/logs why.
import { watch } from "node:fs";
import type { Logger } from "../lib/telemetry/logger.ts";
import { compileRules, RulesError } from "./compile.ts";
import { type RulesHistory, rulesHash } from "./history.ts";
import { compileRulesText } from "./load.ts";
import type { RulesMetrics } from "./metrics.ts";
import type { CompiledRules } from "./types.ts";

/** Where the live rules came from: the configuration file, or a PUT (its history revision, who, when). */
export type RulesSource = { kind: "file" } | { kind: "api"; history_revision: number | null; who: string; time: string };

export class RulesHolder {
  private compiled: CompiledRules | null;
  private version = 0;
  private readonly listeners = new Set<(r: CompiledRules | null) => void>();
  readonly destinations: readonly string[];
  /** sha256 of the configuration file's `rules:` as last loaded (history `base_hash`); see rules/history.ts. */
  fileHash: string;
  /** Where the current rules came from. */
  source: RulesSource = { kind: "file" };
  /** The YAML text of the current rules when a PUT sent YAML (kept for the editor: comments survive). */
  yaml: string | undefined;
  /** Where accepted PUTs are recorded (the route role sets it: `<data_dir>/rules-history.jsonl`). */
  history: RulesHistory | undefined;

  constructor(destinations: readonly string[], initial: CompiledRules | null = null, fileHash?: string) {
    this.destinations = destinations;
    this.compiled = initial;
    this.fileHash = fileHash ?? rulesHash(initial?.doc);
  }

  /** Installs rules accepted through the API and records where they came from. */
  swapFromApi(next: CompiledRules, source: Extract<RulesSource, { kind: "api" }>, yaml?: string): void {
    this.swap(next);
    this.source = source;
    this.yaml = yaml;
  }

  /** Installs the configuration file's rules (a hot reload). */
  swapFromFile(next: CompiledRules | null, fileHash: string): void {
    this.swap(next);
    this.fileHash = fileHash;
    this.source = { kind: "file" };
    this.yaml = undefined;
  }

  /** The current rule set (null = no rules configured: the router forwards raw). */
  get(): CompiledRules | null {
    return this.compiled;
  }
  get revision(): number {
    return this.version;
  }

  /** Atomically installs an already compiled set. */
  swap(next: CompiledRules | null): void {
    this.compiled = next;
    this.version++;
    for (const l of this.listeners) l(next);
  }

  onChange(listener: (r: CompiledRules | null) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Compiles a document and swaps it in; throws RulesError (old rules kept) when invalid. */
  replaceDoc(doc: unknown): CompiledRules {
    const next = compileRules(doc, { destinations: this.destinations });
    this.swap(next);
    return next;
  }

  /** Compiles YAML/JSON text (with file:line problems) and swaps it in; throws RulesError (old rules kept). */
  replaceText(text: string, file: string, env?: NodeJS.ProcessEnv): CompiledRules {
    const next = compileRulesText(text, file, { destinations: this.destinations, env });
    this.swap(next);
    return next;
  }
}

/**
 * Watches a rules file (a standalone rules.yaml or tracerelay.yaml with a `rules:` section) and reloads
 * on change (debounced). Invalid content keeps the old rules; the problems are logged (no values).
 * When the live rules came from the API and the file's rules are unchanged (same hash — e.g. another
 * setting of the file was edited), the API's rules stay; a real change of the file's rules wins.
 */
export function watchRulesFile(file: string, holder: RulesHolder, read: () => Promise<string>, logger: Logger, metrics?: RulesMetrics): () => void {
  let timer: NodeJS.Timeout | undefined;
  const reload = async () => {
    try {
      const next = compileRulesText(await read(), file, { destinations: holder.destinations });
      const hash = rulesHash(next.doc);
      if (holder.source.kind === "api" && hash === holder.fileHash) {
        logger.info({ file, revision: holder.revision }, "config file changed but its rules did not; keeping the rules set through the API");
        return;
      }
      holder.swapFromFile(next, hash);
      metrics?.reloads.inc({ outcome: "ok" });
      logger.info({ file, revision: holder.revision }, "rules reloaded");
    } catch (err) {
      metrics?.reloads.inc({ outcome: "rejected" });
      const problems = err instanceof RulesError ? err.problems : [(err as Error).message];
      logger.error({ file, problems }, "rules reload rejected; keeping the previous rules");
    }
  };
  const watcher = watch(file, () => {
    clearTimeout(timer);
    timer = setTimeout(() => void reload(), 200);
  });
  return () => {
    clearTimeout(timer);
    watcher.close();
  };
}

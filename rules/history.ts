// The history of rules changes made through the API (PUT /api/v1/rules, PUT /ui/api/v1/rules):
// `<data_dir>/rules-history.jsonl`, one JSON object per accepted PUT, appended (never rewritten).
//
// Each entry records who (a project id or a UI user's email), when, the document (and the YAML text
// when it was sent as YAML, so comments survive "load into editor"), and `base_hash`: the hash of the
// configuration file's `rules:` the change was made on top of. On start the route role re-applies the
// newest entry only when the file's rules still hash the same (`decideReapply`); when the file's rules
// changed since, the file wins (the operator edited the file after the API change) and a warning is
// logged.
import { createHash } from "node:crypto";
import { existsSync } from "node:fs";
import { appendFile, mkdir, readFile, rename, writeFile } from "node:fs/promises";
import { dirname, join } from "node:path";

export interface RulesHistoryEntry {
  /** 1, 2, 3… over the file's whole life (not the process-local holder revision). */
  revision: number;
  time: string;
  /** `project:<id>` (API key) or `user:<email>` (web UI). */
  who: string;
  /** The accepted rules document. */
  rules: unknown;
  /** The YAML text as sent (PUT with application/yaml), else absent. */
  yaml?: string;
  /** sha256 of the configuration file's `rules:` this change was based on (`rulesHash`). */
  base_hash: string;
}

export const HISTORY_FILE = "rules-history.jsonl";

/** A JSON serialisation with sorted object keys: the same document always gives the same text. */
export function stableJson(value: unknown): string {
  if (value === null || typeof value !== "object") return JSON.stringify(value) ?? "null";
  if (Array.isArray(value)) return `[${value.map(stableJson).join(",")}]`;
  const obj = value as Record<string, unknown>;
  const keys = Object.keys(obj)
    .filter((k) => obj[k] !== undefined)
    .sort();
  return `{${keys.map((k) => `${JSON.stringify(k)}:${stableJson(obj[k])}`).join(",")}}`;
}

/** The hash of a rules document (absent/null and `{}` are the same: no rules). */
export function rulesHash(doc: unknown): string {
  const d = doc === undefined || doc === null ? {} : doc;
  return `sha256:${createHash("sha256").update(stableJson(d)).digest("hex")}`;
}

export class RulesHistory {
  readonly file: string;
  private last: number | undefined;
  private lines: number | undefined;
  /** Entries kept when the file is compacted (it is rewritten once it holds twice as many). */
  readonly keep: number;
  /** Appends run one after the other (revision numbers stay unique within the process). */
  private chain: Promise<unknown> = Promise.resolve();

  constructor(dataDir: string, options: { keep?: number } = {}) {
    this.file = join(dataDir, HISTORY_FILE);
    this.keep = options.keep ?? 500;
  }

  /** Every entry, oldest first. Unparseable lines (a torn last write) are skipped. */
  async readAll(): Promise<RulesHistoryEntry[]> {
    if (!existsSync(this.file)) return [];
    const out: RulesHistoryEntry[] = [];
    for (const line of (await readFile(this.file, "utf8")).split("\n")) {
      if (!line.trim()) continue;
      try {
        const e = JSON.parse(line) as RulesHistoryEntry;
        if (typeof e.revision === "number" && typeof e.base_hash === "string") out.push(e);
      } catch {
        // a partial line from a crash mid-append: ignore it
      }
    }
    return out;
  }

  /** Newest first, at most `limit`. */
  async list(limit = 50): Promise<RulesHistoryEntry[]> {
    return (await this.readAll()).reverse().slice(0, Math.max(0, limit));
  }

  async latest(): Promise<RulesHistoryEntry | undefined> {
    return (await this.readAll()).at(-1);
  }

  /** Appends an accepted change; returns the entry with its revision. */
  append(entry: Omit<RulesHistoryEntry, "revision" | "time"> & { time?: string }): Promise<RulesHistoryEntry> {
    const run = async () => {
      if (this.last === undefined || this.lines === undefined) {
        const all = await this.readAll();
        this.last = all.at(-1)?.revision ?? 0;
        this.lines = all.length;
      }
      const full: RulesHistoryEntry = { revision: this.last + 1, time: entry.time ?? new Date().toISOString(), who: entry.who, rules: entry.rules, base_hash: entry.base_hash };
      if (entry.yaml !== undefined) full.yaml = entry.yaml;
      await mkdir(dirname(this.file), { recursive: true });
      await appendFile(this.file, `${JSON.stringify(full)}\n`, { mode: 0o600 });
      this.last = full.revision;
      this.lines++;
      if (this.lines >= 2 * this.keep) await this.compact();
      return full;
    };
    const p = this.chain.then(run, run);
    this.chain = p.catch(() => {});
    return p;
  }

  /**
   * Keeps the newest `keep` entries: written to a temporary file and renamed over the history, so a
   * crash leaves either the old file or the new one, never a torn one.
   */
  private async compact(): Promise<void> {
    const kept = (await this.readAll()).slice(-this.keep);
    const tmp = `${this.file}.tmp`;
    await writeFile(tmp, kept.map((e) => `${JSON.stringify(e)}\n`).join(""), { mode: 0o600 });
    await rename(tmp, this.file);
    this.lines = kept.length;
  }
}

export type ReapplyDecision = { action: "none" } | { action: "reapply"; entry: RulesHistoryEntry } | { action: "file_wins"; entry: RulesHistoryEntry };

/**
 * What to run at start: the newest API change when the file's rules are still the ones it was based
 * on, else the file's rules (`file_wins`: the file changed after that API change).
 */
export function decideReapply(latest: RulesHistoryEntry | undefined, fileRulesHash: string): ReapplyDecision {
  if (!latest) return { action: "none" };
  return latest.base_hash === fileRulesHash ? { action: "reapply", entry: latest } : { action: "file_wins", entry: latest };
}

import { appendFile, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { createLogger } from "../lib/telemetry/logger.ts";
import { reapplyHistory } from "../services/roles/route.ts";
import { compileRules } from "./compile.ts";
import { decideReapply, RulesHistory, rulesHash, stableJson } from "./history.ts";
import { RulesHolder, watchRulesFile } from "./runtime.ts";

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), "tr-rules-history-"));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

const destinations = ["store", "langsmith"];
const fileRules = { sampling: [{ name: "all", keep: 1 }] };
const apiRules = { redaction: [{ detectors: ["email"], destinations: ["langsmith"] }] };

/** A logger that records what it was asked to log. */
function recordingLogger() {
  const lines: Array<{ level: string; msg: string; obj: unknown }> = [];
  const base = createLogger("silent");
  const at = (level: string) => (obj: unknown, msg?: string) => lines.push({ level, obj, msg: msg ?? String(obj) });
  return { logger: Object.assign(Object.create(base), { info: at("info"), warn: at("warn"), error: at("error") }) as typeof base, lines };
}

/** What the route role does at start: the file's rules, then the history. */
async function startRouter(file: unknown) {
  const holder = new RulesHolder(destinations, compileRules(file, { destinations }), rulesHash(file));
  holder.history = new RulesHistory(dir);
  const { logger, lines } = recordingLogger();
  await reapplyHistory(holder, logger);
  return { holder, lines };
}

describe("rulesHash", () => {
  it("is independent of key order; no rules, null and {} are the same", () => {
    expect(stableJson({ b: 1, a: [{ d: 2, c: 3 }] })).toBe('{"a":[{"c":3,"d":2}],"b":1}');
    expect(rulesHash({ a: 1, b: 2 })).toBe(rulesHash({ b: 2, a: 1 }));
    expect(rulesHash(undefined)).toBe(rulesHash({}));
    expect(rulesHash(null)).toBe(rulesHash({}));
    expect(rulesHash({ a: 1 })).not.toBe(rulesHash({ a: 2 }));
  });
});

describe("RulesHistory", () => {
  it("appends numbered entries, lists newest first (bounded), survives a new instance and skips a torn line", async () => {
    const h = new RulesHistory(dir);
    expect(await h.list()).toEqual([]);
    const [a, b] = await Promise.all([h.append({ who: "user:a@x", rules: { x: 1 }, base_hash: "h0" }), h.append({ who: "project:default", rules: { x: 2 }, yaml: "x: 2\n", base_hash: "h0" })]);
    expect([a.revision, b.revision]).toEqual([1, 2]);
    await appendFile(h.file, '{"revision": 3, "ti');
    const again = new RulesHistory(dir);
    expect((await again.list()).map((e) => e.revision)).toEqual([2, 1]);
    expect((await again.list(1)).map((e) => e.who)).toEqual(["project:default"]);
    const c = await again.append({ who: "user:b@x", rules: {}, base_hash: "h1" });
    expect(c.revision).toBe(3);
    const lines = (await readFile(h.file, "utf8")).split("\n").filter(Boolean);
    expect(JSON.parse(lines[1])).toMatchObject({ revision: 2, who: "project:default", yaml: "x: 2\n", base_hash: "h0", time: expect.any(String) });
  });

  it("keeps the file bounded: compacted to the newest entries, revisions continue", async () => {
    const h = new RulesHistory(dir, { keep: 5 });
    for (let i = 1; i <= 23; i++) await h.append({ who: "user:a@example.test", rules: { sampling: [{ name: `r${i}`, keep: 1 }] }, base_hash: "x" });
    const lines = (await readFile(join(dir, "rules-history.jsonl"), "utf8")).trim().split("\n");
    expect(lines.length).toBeGreaterThanOrEqual(5);
    expect(lines.length).toBeLessThan(10);
    expect((await h.latest())?.revision).toBe(23);
    expect((await new RulesHistory(dir, { keep: 5 }).list(100)).map((e) => e.revision)).toEqual(Array.from({ length: lines.length }, (_, i) => 23 - i));
    const again = await new RulesHistory(dir, { keep: 5 }).append({ who: "user:b@example.test", rules: {}, base_hash: "y" });
    expect(again.revision).toBe(24);
  });

  it("decideReapply: the newest change when its base hash is the file's, else the file wins", () => {
    const e = { revision: 4, time: "t", who: "w", rules: {}, base_hash: "h1" };
    expect(decideReapply(undefined, "h1")).toEqual({ action: "none" });
    expect(decideReapply(e, "h1")).toEqual({ action: "reapply", entry: e });
    expect(decideReapply(e, "h2")).toEqual({ action: "file_wins", entry: e });
  });
});

describe("re-applying at start (route role)", () => {
  it("no history: the file's rules", async () => {
    const { holder, lines } = await startRouter(fileRules);
    expect(holder.get()?.doc).toEqual(fileRules);
    expect(holder.source).toEqual({ kind: "file" });
    expect(lines).toEqual([]);
  });

  it("the file's rules unchanged since the last PUT: that PUT's rules are re-applied", async () => {
    await new RulesHistory(dir).append({ who: "user:old@x", rules: { sampling: [{ keep: 0.5 }] }, base_hash: rulesHash(fileRules) });
    await new RulesHistory(dir).append({ who: "user:admin@x", rules: apiRules, yaml: "# mine\n", base_hash: rulesHash({ sampling: [{ keep: 1, name: "all" }] }) });
    const { holder, lines } = await startRouter(fileRules);
    expect(holder.get()?.doc).toEqual(apiRules);
    expect(holder.source).toMatchObject({ kind: "api", history_revision: 2, who: "user:admin@x" });
    expect(holder.yaml).toBe("# mine\n");
    expect(lines.map((l) => l.level)).toEqual(["info"]);
  });

  it("the file's rules changed since the last PUT: the file wins, with a warning", async () => {
    await new RulesHistory(dir).append({ who: "user:admin@x", rules: apiRules, base_hash: rulesHash({ sampling: [{ keep: 0.1 }] }) });
    const { holder, lines } = await startRouter(fileRules);
    expect(holder.get()?.doc).toEqual(fileRules);
    expect(holder.source).toEqual({ kind: "file" });
    expect(lines).toEqual([expect.objectContaining({ level: "warn", msg: expect.stringContaining("file's rules changed") })]);
  });

  it("a PUT that no longer compiles (its destination was removed) is not re-applied", async () => {
    await new RulesHistory(dir).append({ who: "user:admin@x", rules: { routes: [{ name: "r", to: ["gone"] }] }, base_hash: rulesHash(fileRules) });
    const { holder, lines } = await startRouter(fileRules);
    expect(holder.get()?.doc).toEqual(fileRules);
    expect(lines[0]).toMatchObject({ level: "warn", obj: { problems: [expect.stringContaining('unknown destination "gone"')] } });
  });
});

describe("hot reload after an API change", () => {
  it("an edit of the file that leaves its rules unchanged keeps the API's rules; a change of its rules wins", async () => {
    const file = join(dir, "tracerelay.yaml");
    await writeFile(file, "server:\n  port: 1\nrules:\n  sampling:\n    - name: all\n      keep: 1\n");
    const holder = new RulesHolder(destinations, compileRules(fileRules, { destinations }), rulesHash(fileRules));
    holder.swapFromApi(compileRules(apiRules, { destinations }), { kind: "api", history_revision: 1, who: "user:a@x", time: "t" });
    const stop = watchRulesFile(file, holder, () => readFile(file, "utf8"), createLogger("silent"));
    try {
      await writeFile(file, "server:\n  port: 2\nrules:\n  sampling:\n    - name: all\n      keep: 1\n");
      await new Promise((r) => setTimeout(r, 600));
      expect(holder.get()?.doc).toEqual(apiRules);
      await writeFile(file, "server:\n  port: 2\nrules:\n  sampling:\n    - name: all\n      keep: 0.5\n");
      const end = Date.now() + 5000;
      while (holder.source.kind === "api" && Date.now() < end) await new Promise((r) => setTimeout(r, 20));
      expect(holder.source).toEqual({ kind: "file" });
      expect(holder.get()?.doc).toEqual({ sampling: [{ name: "all", keep: 0.5 }] });
      expect(holder.fileHash).toBe(rulesHash({ sampling: [{ name: "all", keep: 0.5 }] }));
    } finally {
      stop();
    }
  });
});

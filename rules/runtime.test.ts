import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { createLogger } from "../lib/telemetry/logger.ts";
import { RulesError } from "./compile.ts";
import { RulesHolder, watchRulesFile } from "./runtime.ts";

const until = async (cond: () => boolean, ms = 5000) => {
  const end = Date.now() + ms;
  while (!cond() && Date.now() < end) await new Promise((r) => setTimeout(r, 20));
  return cond();
};

describe("RulesHolder", () => {
  it("a bad replacement throws with every problem and keeps the old rules", () => {
    const h = new RulesHolder(["store"]);
    const good = h.replaceDoc({ sampling: [{ keep: 0.5 }] });
    expect(() => h.replaceText("routes:\n  - name: a\n    to: [x]\n  - name: a\n    to: [y]\n", "r.yaml")).toThrow(RulesError);
    expect(h.get()).toBe(good);
    expect(h.revision).toBe(1);
  });

  it("watches the file: a valid edit is swapped in, an invalid one keeps the previous rules", async () => {
    const dir = await mkdtemp(join(tmpdir(), "tr-rules-watch-"));
    const file = join(dir, "rules.yaml");
    await writeFile(file, "sampling:\n  - keep: 1\n");
    const h = new RulesHolder(["store"]);
    h.replaceText(await readFile(file, "utf8"), file);
    const stop = watchRulesFile(file, h, () => readFile(file, "utf8"), createLogger("silent"));
    try {
      await writeFile(file, "sampling:\n  - keep: 0.25\n");
      expect(await until(() => h.get()?.sampling[0]?.keep === 0.25)).toBe(true);
      const rev = h.revision;
      await writeFile(file, "sampling:\n  - keep: 7\n");
      await new Promise((r) => setTimeout(r, 600));
      expect(h.revision).toBe(rev);
      expect(h.get()?.sampling[0]?.keep).toBe(0.25);
    } finally {
      stop();
      await rm(dir, { recursive: true, force: true });
    }
  });
});

import { describe, expect, it } from "vitest";
import { globsToRegex, globToRegex } from "./logic.ts";

describe("globsToRegex", () => {
  const globs = ["*password*", "db.*", "*_key", "exact", "a?c", "x*y"];
  const keys = ["password", "db_PASSWORD_hash", "pass", "db.user", "adb.user", "db", "api_key", "api_key2", "exact", "exactly", "inexact", "abc", "a.c", "abcd", "xy", "x123y", "x123yz", "", "key"];
  it("matches what any one glob matches, case-insensitively, and nothing else", () => {
    const one = globsToRegex(globs, "i");
    for (const k of keys) expect(one.test(k), k).toBe(globs.some((g) => globToRegex(g, "i").test(k)));
    expect(keys.filter((k) => one.test(k))).toEqual(["password", "db_PASSWORD_hash", "db.user", "api_key", "exact", "abc", "a.c", "xy", "x123y"]);
  });
  it("a lone * matches every key; * and ? match across newlines", () => {
    expect(globsToRegex(["*"]).test("")).toBe(true);
    expect(globsToRegex(["*password*"], "i").test("old\nPassword")).toBe(true);
    expect(globsToRegex(["a*b"]).test("a\nb")).toBe(true);
  });
});

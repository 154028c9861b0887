import { describe, expect, it } from "vitest";
import { exceedsJsonDepth } from "./json-depth.ts";

const b = (s: string) => Buffer.from(s);

describe("exceedsJsonDepth", () => {
  it("accepts nesting up to the limit and reports the offset past it", () => {
    expect(exceedsJsonDepth(b('{"a":[{"b":1}]}'), 3)).toBe(-1);
    expect(exceedsJsonDepth(b('{"a":[{"b":[1]}]}'), 3)).toBe(11);
  });
  it("ignores brackets inside strings, including escaped quotes", () => {
    expect(exceedsJsonDepth(b('{"a":"[[[[\\"[[[["}'), 1)).toBe(-1);
  });
  it("handles a hostile million-bracket body quickly", () => {
    const evil = Buffer.alloc(1_000_000, "[");
    expect(exceedsJsonDepth(evil, 64)).toBe(64);
  });
});

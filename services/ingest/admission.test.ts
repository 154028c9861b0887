import { describe, expect, it } from "vitest";
import { Admission } from "./admission.ts";

describe("Admission", () => {
  it("caps requests in flight and frees the slot on release", () => {
    const a = new Admission({ maxInflight: 2, ratePerProjectPerSec: 0 });
    a.admit("p");
    a.admit("p");
    expect(() => a.admit("p")).toThrow(expect.objectContaining({ code: "TR_OVERLOADED", retryAfterSec: 1 }));
    a.release();
    expect(() => a.admit("p")).not.toThrow();
  });

  it("rate-limits per project with a refilling bucket", () => {
    let now = 0;
    const a = new Admission({ maxInflight: 100, ratePerProjectPerSec: 1, now: () => now });
    a.admit("p");
    a.release();
    a.admit("p");
    a.release(); // burst of 2 used
    expect(() => a.admit("p")).toThrow(expect.objectContaining({ code: "TR_RATE_LIMITED" }));
    a.admit("other"); // other projects unaffected
    a.release();
    now += 1000;
    expect(() => a.admit("p")).not.toThrow();
  });
});

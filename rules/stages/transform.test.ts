import { describe, expect, it } from "vitest";
import { cleanCorpus } from "../corpus.ts";
import { compileRules } from "../engine.ts";
import { applyTransforms } from "./transform.ts";

describe("a transform that changes nothing leaves the span as it was", () => {
  const rules = compileRules(
    {
      transforms: [
        { name: "cut", truncate: { max_chars: 1_000_000 } },
        { name: "same-env", set: { environment: "production" } },
        { name: "cut-small", truncate: { max_chars: 5 } },
      ],
    },
    { destinations: ["d"] },
  );
  const [cut, sameEnv, cutSmall] = rules.transforms;
  const span = { ...cleanCorpus(1, 4)[0], environment: "production", input: "a long enough input" };

  it("hands back the same object (so no copy is serialised again) and still says it applied", () => {
    const applied: string[] = [];
    expect(applyTransforms(span, [cut, sameEnv], applied)).toBe(span);
    expect(applied).toEqual(["cut", "same-env"]);
  });
  it("a transform that changes something still gives a copy, the original untouched", () => {
    const out = applyTransforms(span, [cut, cutSmall], []);
    expect(out).not.toBe(span);
    expect(out.input).toBe("a lon…[truncated 14 chars]");
    expect(span.input).toBe("a long enough input");
  });
});

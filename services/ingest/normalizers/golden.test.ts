// Golden cases: every folder in testdata/ holds `input.json` (an OTLP/JSON export as an SDK sends it)
// and `expected.json` (the exact normalization result). A new case is a new folder.
//
// `UPDATE_GOLDEN=1 npx vitest run services/ingest/normalizers` rewrites expected.json from the current
// output — every rewritten file must then be reviewed by hand before it is committed.
import { readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { validateSpan } from "../../../lib/span/validate.ts";
import { decodeOtlpTraces } from "../otlp/decode.ts";
import { encodeOtlpProtobuf } from "../otlp/testing.ts";
import { normalizeOtlp } from "./otlp.ts";

const TESTDATA = fileURLToPath(new URL("./testdata/", import.meta.url));
const CASES = readdirSync(TESTDATA, { withFileTypes: true })
  .filter((d) => d.isDirectory())
  .map((d) => d.name)
  .sort();
const CTX = { projectId: "proj-golden", format: "otlp" } as const;

describe("OTLP normalization golden cases", () => {
  it("has cases", () => expect(CASES.length).toBeGreaterThan(10));

  for (const name of CASES) {
    describe(name, () => {
      const dir = join(TESTDATA, name);
      const body = readFileSync(join(dir, "input.json"));
      const actual = normalizeOtlp(decodeOtlpTraces(body, "application/json"), CTX);

      it("matches expected.json exactly", () => {
        const file = join(dir, "expected.json");
        if (process.env.UPDATE_GOLDEN === "1") writeFileSync(file, `${JSON.stringify(actual, null, 2)}\n`);
        const expected = JSON.parse(readFileSync(file, "utf8"));
        // Round-trip through JSON: what is compared is what would be stored and delivered.
        expect(JSON.parse(JSON.stringify(actual))).toStrictEqual(expected);
      });

      it("produces only schema-valid spans", () => {
        for (const span of actual.spans) {
          const v = validateSpan(span);
          expect(v.ok ? [] : v.errors, `${span.span_id} ${span.name}`).toEqual([]);
        }
      });

      it("normalizes the same through the protobuf path", () => {
        const viaProtobuf = normalizeOtlp(
          decodeOtlpTraces(encodeOtlpProtobuf(decodeOtlpTraces(body, "application/json")), "application/x-protobuf"),
          CTX,
        );
        expect(viaProtobuf.spans).toStrictEqual(actual.spans);
        // Ids the JSON path could not read are gone once encoded as bytes; only the positions must agree.
        expect(viaProtobuf.rejected.map((r) => r.index)).toStrictEqual(actual.rejected.map((r) => r.index));
      });
    });
  }
});

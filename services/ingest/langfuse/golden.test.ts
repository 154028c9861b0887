// Golden cases: each folder under testdata/ holds a Langfuse batch request (request.json) and everything
// processLangfuseBatch must answer for it (expected.json): the 207 results, the span envelopes (pieces),
// accepted scores and SDK logs, and — the point of pieces — the spans they fold into (mergePieces).
// A new behaviour is a new folder. `UPDATE_GOLDEN=1 npx vitest run services/ingest/langfuse` rewrites the
// expected files from the current code; review the diff before keeping it.
import { readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import type { SpanEnvelope } from "../../../lib/span/envelope.ts";
import { mergePieces } from "../../../lib/span/merge.ts";
import type { CanonicalSpan } from "../../../lib/span/types.ts";
import { validateSpan } from "../../../lib/span/validate.ts";
import { processLangfuseBatch } from "./batch.ts";

const TESTDATA = join(import.meta.dirname, "testdata");
const PROJECT_ID = "proj-golden";
const cases = readdirSync(TESTDATA, { withFileTypes: true })
  .filter((d) => d.isDirectory())
  .map((d) => d.name)
  .sort();

const readJson = (path: string): unknown => JSON.parse(readFileSync(path, "utf8"));

/** Folds the pieces of each span; spans ordered by (trace_id, start_time, span_id) for stable files. */
function mergedSpans(envelopes: SpanEnvelope[]): CanonicalSpan[] {
  const bySpan = Map.groupBy(envelopes, (e) => `${e.span.trace_id}/${e.span.span_id}`);
  return [...bySpan.values()]
    .map((pieces) => mergePieces(pieces))
    .sort((a, b) => a.trace_id.localeCompare(b.trace_id) || a.start_time.localeCompare(b.start_time) || a.span_id.localeCompare(b.span_id));
}

describe("Langfuse batch ingestion golden cases", () => {
  it("has cases", () => expect(cases.length).toBeGreaterThan(5));

  for (const name of cases) {
    it(name, () => {
      const dir = join(TESTDATA, name);
      const result = processLangfuseBatch(readJson(join(dir, "request.json")), { projectId: PROJECT_ID });
      const actual = { ...result, merged: mergedSpans(result.envelopes) };
      const expectedPath = join(dir, "expected.json");
      if (process.env.UPDATE_GOLDEN) writeFileSync(expectedPath, `${JSON.stringify(actual, null, 2)}\n`);

      // JSON round trip: the expected file cannot hold `undefined`, and neither must the output.
      expect(JSON.parse(JSON.stringify(actual))).toEqual(readJson(expectedPath));
      for (const envelope of result.envelopes) expect(validateSpan(envelope.span)).toEqual({ ok: true, span: envelope.span });
      for (const span of actual.merged) expect(validateSpan(span)).toEqual({ ok: true, span });
    });
  }
});

import { Registry } from "prom-client";
import { describe, expect, it } from "vitest";
import { InMemoryDeadLetterSink } from "../../destinations/_delivery/index.ts";
import type { BusRecord } from "../../lib/bus/types.ts";
import type { SpanEnvelope } from "../../lib/span/envelope.ts";
import type { CanonicalSpan } from "../../lib/span/types.ts";
import type { RawSpanLine, SpanWriter } from "../../lib/store/span-writer.ts";
import { makeSpan } from "../../lib/store/testing.ts";
import { createLogger } from "../../lib/telemetry/logger.ts";
import { PIECE_HEADER, SPAN_ID_HEADER } from "../ingest/publish.ts";
import { destinationTarget } from "./target.ts";

/** A store destination over a writer that keeps what it was given. */
function storeTarget(written: Array<SpanEnvelope | RawSpanLine>, deadLetters = Object.assign(new InMemoryDeadLetterSink(), { replayOf: new WeakMap<CanonicalSpan, string>() })) {
  const spanWriter: SpanWriter = {
    async write(items) {
      written.push(...items);
    },
    clearCache() {},
  };
  return destinationTarget("store", { type: "store", delivery: { batch: { max_wait_ms: 1 } } }, { registry: new Registry(), deadLetters, logger: createLogger("silent"), env: { spanWriter } });
}

function record(span: CanonicalSpan, value: Buffer, headers: Record<string, string>): BusRecord {
  return { topic: "deliver.store", partition: 0, offset: 0, key: span.trace_id, value, timestamp: 0, headers };
}

const span = (i: number) => makeSpan({ trace_id: `${i}`.padStart(32, "a"), span_id: `${i}`.padStart(16, "b"), project_id: "p", name: `span ${i}` });

describe("deliver target", () => {
  it("hands a labelled record to the store as its own bytes, without parsing it", async () => {
    const written: Array<SpanEnvelope | RawSpanLine> = [];
    const target = storeTarget(written);
    // Not JSON: if anything on the way parsed it, the delivery would fail.
    const value = Buffer.from("{ bytes the store writes as they are");
    await target.deliver([record(span(1), value, { project: "p", [SPAN_ID_HEADER]: span(1).span_id, source: "otlp" })]);
    expect(written).toEqual([{ raw: value }]);
    expect((written[0] as RawSpanLine).raw).toBe(value);
    await target.close?.(1000);
  });

  it("parses records written before the label existed, and pieces (the store folds them)", async () => {
    const written: Array<SpanEnvelope | RawSpanLine> = [];
    const target = storeTarget(written);
    const unlabelled = Buffer.from(JSON.stringify(span(2)));
    const piece = { id: "evt-1", order: 1, seq: 0, fields: ["name" as const] };
    await target.deliver([
      record(span(2), unlabelled, { project: "p", source: "otlp" }),
      record(span(3), Buffer.from(JSON.stringify(span(3))), { project: "p", [SPAN_ID_HEADER]: span(3).span_id, [PIECE_HEADER]: JSON.stringify(piece) }),
    ]);
    expect(written[0]).toEqual({ raw: unlabelled });
    expect(written[1]).toEqual({ span: span(3), piece });
    await target.close?.(1000);
  });

  it("a lazy span that is dead-lettered carries the whole span", async () => {
    const deadLetters = Object.assign(new InMemoryDeadLetterSink(), { replayOf: new WeakMap<CanonicalSpan, string>() });
    const refusing: SpanWriter = {
      async write() {
        throw Object.assign(new Error("refused"), { name: "StoreError" });
      },
      clearCache() {},
    };
    const target = destinationTarget(
      "store",
      { type: "store", delivery: { batch: { max_wait_ms: 1 }, retry: { window: "10ms", initial_backoff_ms: 1, max_backoff_ms: 2 } } },
      { registry: new Registry(), deadLetters, logger: createLogger("silent"), env: { spanWriter: refusing } },
    );
    const s = span(4);
    await target.deliver([record(s, Buffer.from(JSON.stringify(s)), { project: "p", [SPAN_ID_HEADER]: s.span_id, source: "otlp" })]);
    expect(deadLetters.letters).toHaveLength(1);
    expect(JSON.parse(JSON.stringify(deadLetters.letters[0].spans))).toEqual([s]);
    await target.close?.(1000);
  });
});

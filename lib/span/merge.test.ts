// mergePieces: order-independence and idempotence as properties (every permutation, random duplication),
// then each fold rule on hand-made pieces, then the Langfuse traps (update before create, trace-create
// sent twice, usage only in updates) on pieces made by the real normalizer.
import { describe, expect, it } from "vitest";
import { normalizeLangfuseEvent } from "../../services/ingest/normalizers/langfuse-ingestion.ts";
import type { LangfuseSpanEvent } from "../../services/ingest/langfuse/types.ts";
import type { SpanEnvelope } from "./envelope.ts";
import { COMPLETION_START_TIME_ATTRIBUTE, mergePieces } from "./merge.ts";
import type { CanonicalSpan } from "./types.ts";
import { validateSpan } from "./validate.ts";

const BASE: CanonicalSpan = {
  schema_version: 1,
  trace_id: "0af7651916cd43dd8448eb211c80319c",
  span_id: "b7ad6b7169203331",
  parent_span_id: "00f067aa0ba902b7",
  project_id: "p",
  name: "placeholder",
  kind: "custom",
  start_time: "2026-01-01T00:00:00.000000Z",
  status: "unset",
  source: { format: "langfuse", convention: "langfuse" },
};

/** A piece at `order` µs that really set `set` (everything else is BASE placeholders). */
function piece(id: string, order: number, set: Partial<CanonicalSpan>, seq = 0): SpanEnvelope {
  return { span: { ...BASE, ...set }, piece: { id, order, seq, fields: Object.keys(set) as Array<keyof CanonicalSpan> } };
}

function permutations<T>(items: readonly T[]): T[][] {
  if (items.length <= 1) return [items.slice()];
  return items.flatMap((item, i) => permutations([...items.slice(0, i), ...items.slice(i + 1)]).map((rest) => [item, ...rest]));
}

/** Small deterministic PRNG (mulberry32) so property runs are reproducible. */
function prng(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function shuffledWithDuplicates(pieces: readonly SpanEnvelope[], random: () => number): SpanEnvelope[] {
  const out = [...pieces, ...pieces.filter(() => random() < 0.5).map((p) => structuredClone(p))];
  for (let i = out.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [out[i], out[j]] = [out[j], out[i]];
  }
  return out;
}

const deepFreeze = <T>(value: T): T => {
  if (value && typeof value === "object") {
    for (const v of Object.values(value)) deepFreeze(v);
    Object.freeze(value);
  }
  return value;
};

// Pieces of one generation as the legacy Langfuse SDK sends them, made by the real normalizer.
const TRACE = "7e9b2c1d-aaaa-4bbb-8ccc-123456789abc";
const langfuse = (id: string, type: LangfuseSpanEvent["type"], timestamp: string, body: Record<string, unknown>): SpanEnvelope =>
  normalizeLangfuseEvent({ id, type, timestamp, body: { id: "gen", traceId: TRACE, ...body } } as LangfuseSpanEvent, {
    projectId: "p",
  });

const GENERATION_PIECES: readonly SpanEnvelope[] = deepFreeze([
  langfuse("e1", "generation-create", "2026-01-01T00:00:00.000Z", {
    name: "answer",
    startTime: "2026-01-01T00:00:00.000Z",
    model: "gpt-4o",
    input: [{ role: "user", content: "hi" }],
    metadata: { step: 1, owner: "a" },
  }),
  langfuse("e2", "generation-update", "2026-01-01T00:00:00.000Z", { name: "answer-v2", metadata: { step: 2 } }),
  langfuse("e3", "generation-update", "2026-01-01T00:00:01.500Z", {
    completionStartTime: "2026-01-01T00:00:00.400Z",
    endTime: "2026-01-01T00:00:01.500Z",
    output: { role: "assistant", content: "hello" },
    usageDetails: { input: 10, output: 5 },
    costDetails: { total: 0.01 },
  }),
  langfuse("e4", "generation-update", "2026-01-01T00:00:01.600Z", { usageDetails: {}, level: "ERROR", statusMessage: "late failure" }),
  langfuse("e5", "generation-update", "2026-01-01T00:00:01.700Z", { level: "WARNING" }),
]);

const EXPECTED_GENERATION: CanonicalSpan = {
  schema_version: 1,
  trace_id: "7e9b2c1daaaa4bbb8ccc123456789abc",
  span_id: GENERATION_PIECES[0].span.span_id,
  parent_span_id: GENERATION_PIECES[0].span.parent_span_id,
  project_id: "p",
  source: { format: "langfuse", convention: "langfuse" },
  name: "answer-v2",
  kind: "llm",
  start_time: "2026-01-01T00:00:00.000000Z",
  end_time: "2026-01-01T00:00:01.500000Z",
  duration_ms: 1500,
  first_token_ms: 400,
  status: "unset",
  status_message: "late failure",
  level: "warning",
  model: "gpt-4o",
  input: [{ role: "user", content: "hi" }],
  output: { role: "assistant", content: "hello" },
  usage: { input_tokens: 10, output_tokens: 5, total_tokens: 15 },
  cost: { total_usd: 0.01, source: "reported" },
  attributes: {
    "langfuse.trace.id": TRACE,
    "langfuse.observation.id": "gen",
    "langfuse.observation.type": "generation",
    "langfuse.metadata.step": 2,
    "langfuse.metadata.owner": "a",
    [COMPLETION_START_TIME_ATTRIBUTE]: "2026-01-01T00:00:00.400000Z",
    "langfuse.usage_details": '{"input":10,"output":5}',
    "langfuse.cost_details": '{"total":0.01}',
  },
};

describe("properties", () => {
  it("folds the Langfuse pieces of one generation to the expected span", () => {
    const merged = mergePieces(GENERATION_PIECES);
    expect(merged).toEqual(EXPECTED_GENERATION);
    expect(validateSpan(merged)).toEqual({ ok: true, span: merged });
  });

  it("every permutation folds to the same span", () => {
    const all = permutations(GENERATION_PIECES);
    expect(all).toHaveLength(120);
    for (const order of all) expect(mergePieces(order)).toEqual(EXPECTED_GENERATION);
  });

  it("duplicates (redeliveries) change nothing, in any order", () => {
    const random = prng(20260101);
    for (let run = 0; run < 200; run++) {
      expect(mergePieces(shuffledWithDuplicates(GENERATION_PIECES, random))).toEqual(EXPECTED_GENERATION);
    }
  });

  it("a piece id is folded once, even when a copy claims another time", () => {
    const original = piece("evt", 1, { name: "original", model: "m1" });
    const replayedLater = piece("evt", 9, { name: "replayed copy" });
    const other = piece("other", 5, { model: "m2" });
    for (const order of permutations([original, replayedLater, other])) {
      expect(mergePieces(order)).toMatchObject({ name: "original", model: "m2" });
    }
  });

  it("differing copies under one piece id resolve the same way whatever the arrival order", () => {
    const a = piece("same", 10, { name: "first copy" });
    const b = piece("same", 10, { name: "second copy" });
    expect(mergePieces([a, b])).toEqual(mergePieces([b, a]));
  });

  it("never mutates its input", () => {
    const frozen = deepFreeze(structuredClone(GENERATION_PIECES) as SpanEnvelope[]);
    expect(() => mergePieces(frozen)).not.toThrow();
    const merged = mergePieces(frozen);
    merged.attributes!.x = "changed";
    expect(frozen[0].span.attributes?.x).toBeUndefined();
  });

  it("a single piece folds to its own set fields over placeholders", () => {
    const only = piece("a", 1, { name: "solo", start_time: "2026-01-01T00:00:01.000000Z", end_time: "2026-01-01T00:00:03.000000Z" });
    expect(mergePieces([only])).toEqual({
      ...BASE,
      name: "solo",
      start_time: "2026-01-01T00:00:01.000000Z",
      end_time: "2026-01-01T00:00:03.000000Z",
      duration_ms: 2000,
    });
  });
});

describe("fold rules", () => {
  it("later wins; create (seq 0) folds before update (seq 1) at the same time", () => {
    // Ids chosen so that the id tie-break alone would fold the update first.
    const update = piece("a-update", 5, { name: "from update" }, 1);
    const create = piece("z-create", 5, { name: "from create", kind: "llm" }, 0);
    expect(mergePieces([update, create])).toMatchObject({ name: "from update", kind: "llm" });
    const earlierUpdate = piece("a-update", 4, { name: "from update" }, 1);
    expect(mergePieces([earlierUpdate, create]).name).toBe("from create");
  });

  it("only listed fields are applied: a placeholder never overwrites", () => {
    const create = piece("c", 1, { name: "real name", kind: "tool" });
    const update: SpanEnvelope = { span: { ...BASE, name: "placeholder from update", kind: "custom" }, piece: { id: "u", order: 2, seq: 1, fields: [] } };
    expect(mergePieces([create, update])).toMatchObject({ name: "real name", kind: "tool" });
  });

  it("attributes merge key by key, later wins per key", () => {
    const merged = mergePieces([piece("a", 1, { attributes: { x: 1, y: "old" } }), piece("b", 2, { attributes: { y: "new", z: null } })]);
    expect(merged.attributes).toEqual({ x: 1, y: "new", z: null });
  });

  it("tags are unioned in first-seen order", () => {
    const merged = mergePieces([piece("b", 2, { tags: ["etl", "done"] }), piece("a", 1, { tags: ["beta", "etl"] })]);
    expect(merged.tags).toEqual(["beta", "etl", "done"]);
  });

  it("usage and cost: later non-empty wins, empty never erases", () => {
    const merged = mergePieces([
      piece("a", 1, { usage: { input_tokens: 1, output_tokens: 1 }, cost: { total_usd: 1, source: "reported" } }),
      piece("b", 2, { usage: { input_tokens: 9 } }),
      piece("c", 3, { usage: {}, cost: undefined }),
    ]);
    expect(merged.usage).toEqual({ input_tokens: 9 });
    expect(merged.cost).toEqual({ total_usd: 1, source: "reported" });
  });

  it("start_time: the first piece that really set it wins", () => {
    const merged = mergePieces([
      piece("late", 20, { start_time: "2026-01-01T00:00:20.000000Z" }),
      piece("placeholder-only", 5, {}),
      piece("first", 10, { start_time: "2026-01-01T00:00:10.000000Z" }),
    ]);
    expect(merged.start_time).toBe("2026-01-01T00:00:10.000000Z");
  });

  it("without any piece setting start_time, the earliest piece's placeholder stays", () => {
    const a: SpanEnvelope = { span: { ...BASE, start_time: "2026-01-01T00:00:07.000000Z" }, piece: { id: "a", order: 7, seq: 1, fields: [] } };
    const b: SpanEnvelope = { span: { ...BASE, start_time: "2026-01-01T00:00:08.000000Z" }, piece: { id: "b", order: 8, seq: 1, fields: [] } };
    expect(mergePieces([b, a]).start_time).toBe("2026-01-01T00:00:07.000000Z");
  });

  it("explicit null is a value (clears); undefined is not", () => {
    const merged = mergePieces([piece("a", 1, { status_message: "boom", model: "m" }), piece("b", 2, { status_message: null, model: undefined })]);
    expect(merged).toMatchObject({ status_message: null, model: "m" });
  });

  it("derives timing: clamps an early end, recomputes duration, drops a stale one", () => {
    const clamped = mergePieces([
      piece("a", 1, { start_time: "2026-01-01T00:00:05.000000Z" }),
      piece("b", 2, { end_time: "2026-01-01T00:00:04.000000Z", duration_ms: 123 }),
    ]);
    expect(clamped).toMatchObject({ end_time: "2026-01-01T00:00:05.000000Z", duration_ms: 0 });
    const open = mergePieces([piece("a", 1, { duration_ms: 55 })]);
    expect(open.duration_ms).toBeUndefined();
  });

  it("derives first_token_ms from the completion-start attribute once start_time is known", () => {
    const merged = mergePieces([
      piece("u", 2, { attributes: { [COMPLETION_START_TIME_ATTRIBUTE]: "2026-01-01T00:00:01.250000Z" } }, 1),
      piece("c", 1, { start_time: "2026-01-01T00:00:01.000000Z" }),
    ]);
    expect(merged.first_token_ms).toBe(250);
  });

  it("an envelope without piece is a whole span: every field it carries, ordered by its start", () => {
    const whole: SpanEnvelope = { span: { ...BASE, name: "whole", start_time: "2026-01-01T00:00:02.000000Z", model: "m" } };
    const later = piece("p", Date.parse("2026-01-01T00:00:03Z") * 1000, { name: "later piece" });
    expect(mergePieces([later, whole])).toMatchObject({ name: "later piece", model: "m", start_time: "2026-01-01T00:00:02.000000Z" });
  });

  it("refuses nothing to merge and pieces of different spans", () => {
    expect(() => mergePieces([])).toThrow("no pieces");
    const other: SpanEnvelope = { span: { ...BASE, span_id: "1111111111111111" }, piece: { id: "x", order: 1, seq: 0, fields: [] } };
    expect(() => mergePieces([piece("a", 1, {}), other])).toThrow("pieces of different spans");
  });
});

describe("Langfuse traps", () => {
  it("update before create (arrival order and earlier timestamp) ends up as one complete span", () => {
    const update = langfuse("u", "span-update", "2026-01-01T00:00:02.000Z", { endTime: "2026-01-01T00:00:02.000Z", output: "done" });
    const create = langfuse("c", "span-create", "2026-01-01T00:00:01.000Z", { name: "work", startTime: "2026-01-01T00:00:01.000Z", input: "go" });
    const merged = mergePieces([update, create]);
    expect(merged).toMatchObject({ name: "work", kind: "custom", input: "go", output: "done", duration_ms: 1000 });
    expect(merged.start_time).toBe("2026-01-01T00:00:01.000000Z");
    expect(validateSpan(merged).ok).toBe(true);
  });

  it("an update whose clock ran early does not override what the create set later", () => {
    const update = langfuse("u", "span-update", "2026-01-01T00:00:00.500Z", { name: "from skewed update", output: "x" });
    const create = langfuse("c", "span-create", "2026-01-01T00:00:01.000Z", { name: "from create" });
    expect(mergePieces([create, update])).toMatchObject({ name: "from create", output: "x" });
  });

  it("trace-create sent twice: first timestamp kept, tags unioned, later values win", () => {
    const traceCreate = (id: string, timestamp: string, body: Record<string, unknown>) =>
      normalizeLangfuseEvent({ id, type: "trace-create", timestamp, body: { id: TRACE, timestamp, ...body } }, { projectId: "p" });
    const first = traceCreate("t1", "2026-01-01T00:00:00.000Z", { name: "pipeline", tags: ["a"], metadata: { run: 1 } });
    const second = traceCreate("t2", "2026-01-01T00:00:09.000Z", { output: "ok", tags: ["b"], metadata: { rows: 3 } });
    for (const order of [
      [first, second],
      [second, first],
      [second, first, second],
    ]) {
      expect(mergePieces(order)).toMatchObject({
        name: "pipeline",
        start_time: "2026-01-01T00:00:00.000000Z",
        output: "ok",
        tags: ["a", "b"],
        attributes: { "langfuse.metadata.run": 1, "langfuse.metadata.rows": 3 },
      });
    }
  });

  it("usage only in an update survives a later update without usage", () => {
    const merged = mergePieces([GENERATION_PIECES[0], GENERATION_PIECES[2], GENERATION_PIECES[3]]);
    expect(merged.usage).toEqual({ input_tokens: 10, output_tokens: 5, total_tokens: 15 });
  });
});

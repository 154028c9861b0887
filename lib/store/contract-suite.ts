// The store contract: one suite every store backend passes (chDB in-process, a ClickHouse server, the
// server client over another transport). It drives the store through its public surface — Store, the
// span writer and the explorer query functions — so the SQL tested in-process is the SQL a server runs.
//
// One store per backend (opened once, reopened once to test restarts); every test works in its own
// project id, so tests never see each other's spans.
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import type { SpanEnvelope } from "../span/envelope.ts";
import type { CanonicalSpan } from "../span/types.ts";
import { validateSpan } from "../span/validate.ts";
import { getSession, getTrace, listSessions, listTraces, usageMetrics } from "../../services/explorer/queries/index.ts";
import type { TraceSummary } from "../../services/explorer/queries/types.ts";
import { type Migration, loadMigrations, migrate } from "./migrations.ts";
import { createSpanWriter } from "./span-writer.ts";
import { at, llmSpan, makeSpan, newProjectId, spanIdOf, traceIdOf } from "./testing.ts";
import type { Store } from "./types.ts";

export interface StoreBackend {
  /** Opens (or reopens, after close) the SAME store: same data directory / database. */
  open(): Promise<Store>;
  /** Optional cleanup after the suite (e.g. drop a server database). */
  dispose?(): Promise<void>;
}

export function describeStoreContract(label: string, backend: StoreBackend): void {
  describe(`store contract: ${label}`, () => {
    let store: Store;
    beforeAll(async () => {
      store = await backend.open();
    }, 60_000);
    afterAll(async () => {
      await store?.close();
      await backend.dispose?.();
    });
    const count = async (table: string, projectId: string): Promise<number> => {
      const [row] = await store.sql.query<{ n: number | string }>(
        `SELECT count() AS n FROM ${table} FINAL WHERE project_id = {project_id:String}`,
        { project_id: projectId },
      );
      return Number(row.n);
    };

    describe("migrations", () => {
      test("are recorded in order, and running them again applies nothing", async () => {
        expect((await store.migrate()).applied).toEqual([]);
        const files = await loadMigrations();
        const rows = await store.sql.query<{ version: number | string; name: string }>(
          "SELECT version, name FROM schema_migrations FINAL WHERE version < 900 ORDER BY version",
        );
        expect(rows.map((r) => r.name)).toEqual(files.map((m) => m.name));
        expect(files.map((m) => m.version)).toEqual([...files.map((m) => m.version)].sort((a, b) => a - b));
      });

      test("a new migration is applied once; an applied migration that changed is refused", async () => {
        const extra: Migration = {
          version: 900,
          name: "900-contract-scratch",
          statements: ["CREATE TABLE IF NOT EXISTS contract_scratch (x UInt8) ENGINE = MergeTree ORDER BY x"],
          checksum: "aaaa",
        };
        const all = [...(await loadMigrations()), extra];
        const first = await migrate(store.sql, all);
        expect(first.applied).toEqual(["900-contract-scratch"]);
        expect((await migrate(store.sql, all)).applied).toEqual([]);
        await expect(migrate(store.sql, [...all.slice(0, -1), { ...extra, checksum: "bbbb" }])).rejects.toMatchObject({
          code: "STORE_MIGRATION_FAILED",
        });
      });
    });

    describe("spans", () => {
      test("a span round-trips field for field (nulls omitted)", async () => {
        const project = newProjectId();
        const span = fullSpan(project);
        expect(validateSpan(span)).toMatchObject({ ok: true });
        await store.insertSpans([span]);
        const trace = await getTrace(store.sql, project, span.trace_id);
        expect(trace?.spans).toEqual([span]);
      });

      test("a redelivered span is stored once: detail, counts, totals and indexes unchanged", async () => {
        const project = newProjectId();
        const trace = traceIdOf(1);
        const spans = [
          makeSpan({ project_id: project, trace_id: trace, span_id: spanIdOf(0), name: "root", kind: "agent", session_id: "sess", durationMs: 500 }),
          llmSpan({ project_id: project, trace_id: trace, span_id: spanIdOf(1), parent_span_id: spanIdOf(0), startMs: 10, costUsd: 0.5 }),
        ];
        await store.insertSpans(spans);
        await store.insertSpans(spans);
        await store.insertSpans([spans[1]]);
        const detail = await getTrace(store.sql, project, trace);
        expect(detail?.spans.map((s) => s.span_id)).toEqual([spanIdOf(0), spanIdOf(1)]);
        expect(detail).toMatchObject({ span_count: 2, total_input_tokens: 100, total_output_tokens: 20, total_cost_usd: 0.5 });
        expect(await count("spans", project)).toBe(2);
        const list = await listTraces(store.sql, project);
        expect(list.data).toHaveLength(1);
        expect(list.data[0]).toEqual(withoutSpans(detail));
        const sessions = await listSessions(store.sql, project);
        expect(sessions.data).toMatchObject([{ session_id: "sess", trace_count: 1, total_cost_usd: 0.5 }]);
      });

      test("queries are scoped to the project", async () => {
        const mine = newProjectId();
        const theirs = newProjectId();
        const trace = traceIdOf(7);
        await store.insertSpans([llmSpan({ project_id: theirs, trace_id: trace, span_id: spanIdOf(0), session_id: "shared" })]);
        expect(await getTrace(store.sql, mine, trace)).toBeNull();
        expect((await listTraces(store.sql, mine)).data).toEqual([]);
        expect(await getSession(store.sql, mine, "shared")).toBeNull();
        expect((await usageMetrics(store.sql, mine, { from: at(-3_600_000), to: at(3_600_000), bucket: "hour" })).data).toEqual([]);
      });
    });

    describe("span writer: pieces fold into one span", () => {
      test("pieces out of order, redelivered, in separate writes", async () => {
        const project = newProjectId();
        const [create, update] = generationPieces(project, traceIdOf(1));
        const writer = createSpanWriter(store);
        await writer.write([update]);
        await writer.write([create]);
        await writer.write([create, update]);
        const detail = await getTrace(store.sql, project, traceIdOf(1));
        expect(detail?.spans).toHaveLength(1);
        expect(detail?.spans[0]).toMatchObject(expectedGeneration(project, traceIdOf(1)));
        expect(await count("spans", project)).toBe(1);
        expect(await count("span_pieces", project)).toBe(2);
      });

      test("a writer with an empty cache (restart) folds earlier pieces from the pieces table", async () => {
        const project = newProjectId();
        const [create, update] = generationPieces(project, traceIdOf(2));
        await createSpanWriter(store).write([create]);
        await createSpanWriter(store, { cacheSpans: 0 }).write([update]);
        const detail = await getTrace(store.sql, project, traceIdOf(2));
        expect(detail?.spans).toEqual([expect.objectContaining(expectedGeneration(project, traceIdOf(2)))]);
        expect(detail).toMatchObject({ total_input_tokens: 30, total_output_tokens: 7, total_cost_usd: 0.0003 });
      });

      test("a fold over fewer pieces never replaces a fuller one, whatever the insert order", async () => {
        const project = newProjectId();
        const [create, update] = generationPieces(project, traceIdOf(3));
        await createSpanWriter(store).write([create, update]);
        await store.insertSpans([create.span], [1]); // a stale one-piece fold arriving late
        const detail = await getTrace(store.sql, project, traceIdOf(3));
        expect(detail?.spans).toEqual([expect.objectContaining(expectedGeneration(project, traceIdOf(3)))]);
      });

      test("the cache folds a cached span's next piece without reading the pieces table; id-less pieces are kept apart", async () => {
        const project = newProjectId();
        const [create, update] = generationPieces(project, traceIdOf(4));
        const reads: string[] = [];
        const counting: Store = {
          ...store,
          sql: {
            ...store.sql,
            query: (sql, params) => {
              reads.push(sql);
              return store.sql.query(sql, params);
            },
          } as Store["sql"],
        };
        const writer = createSpanWriter(counting);
        await writer.write([create]);
        expect(reads.filter((q) => q.includes("span_pieces"))).toHaveLength(1);
        await writer.write([{ ...update, piece: { ...update.piece!, id: "" } }]);
        await writer.write([{ ...update, piece: { ...update.piece!, id: "" } }]);
        expect(reads.filter((q) => q.includes("span_pieces"))).toHaveLength(1);
        expect(await count("span_pieces", project)).toBe(2);
        const detail = await getTrace(store.sql, project, traceIdOf(4));
        expect(detail?.spans).toEqual([expect.objectContaining(expectedGeneration(project, traceIdOf(4)))]);
      });

      test("pieces of many spans and complete spans in one write", async () => {
        const project = newProjectId();
        const writer = createSpanWriter(store);
        const batch: SpanEnvelope[] = [];
        for (let i = 0; i < 20; i++) batch.push(...generationPieces(project, traceIdOf(100 + i)).reverse());
        batch.push({ span: makeSpan({ project_id: project, trace_id: traceIdOf(100), span_id: spanIdOf(9), name: "complete" }) });
        await writer.write(batch);
        expect(await count("spans", project)).toBe(21);
        const detail = await getTrace(store.sql, project, traceIdOf(105));
        expect(detail?.spans[0]).toMatchObject(expectedGeneration(project, traceIdOf(105)));
      });
    });

    describe("trace totals sum model calls only", () => {
      test("Vercel-style root repeating its steps' usage counts the steps once (root as chain or as llm)", async () => {
        const project = newProjectId();
        for (const [n, rootKind] of [
          [1, "chain"],
          [2, "llm"],
        ] as const) {
          const trace = traceIdOf(n);
          const base = { project_id: project, trace_id: trace };
          await store.insertSpans([
            llmSpan({ ...base, span_id: spanIdOf(0), kind: rootKind, name: "ai.generateText", tokens: { input_tokens: 200, output_tokens: 40 }, costUsd: 0.02, durationMs: 900 }),
            llmSpan({ ...base, span_id: spanIdOf(1), parent_span_id: spanIdOf(0), name: "ai.generateText.doGenerate", startMs: 10, costUsd: 0.01 }),
            makeSpan({ ...base, span_id: spanIdOf(2), parent_span_id: spanIdOf(0), name: "weather", kind: "tool", startMs: 200 }),
            llmSpan({ ...base, span_id: spanIdOf(3), parent_span_id: spanIdOf(0), name: "ai.generateText.doGenerate", startMs: 400, costUsd: 0.01 }),
          ]);
          expect(await getTrace(store.sql, project, trace)).toMatchObject({
            total_input_tokens: 200,
            total_output_tokens: 40,
            total_tokens: 240,
            total_cost_usd: 0.02,
          });
        }
      });

      test("an LLM span wrapping the SDK's own span for the same call counts the inner span once", async () => {
        const project = newProjectId();
        const base = { project_id: project, trace_id: traceIdOf(3) };
        await store.insertSpans([
          llmSpan({ ...base, span_id: spanIdOf(0), name: "Anthropic Messages", tokens: { input_tokens: 10, output_tokens: 50 }, costUsd: 0.001 }),
          llmSpan({
            ...base,
            span_id: spanIdOf(1),
            parent_span_id: spanIdOf(0),
            name: "anthropic.messages.create",
            tokens: { input_tokens: 1010, output_tokens: 50, cache_read_tokens: 1000 },
            costUsd: 0.0015,
          }),
        ]);
        expect(await getTrace(store.sql, project, traceIdOf(3))).toMatchObject({
          total_input_tokens: 1010,
          total_output_tokens: 50,
          total_tokens: 1060,
          total_cost_usd: 0.0015,
        });
      });

      test("agent roll-up: nested calls through tool and http spans, embeddings and reranks count; agent never", async () => {
        const project = newProjectId();
        const base = { project_id: project, trace_id: traceIdOf(4) };
        const call = (n: number, parent: number, input: number, kind: "llm" | "embedding" | "rerank" = "llm") =>
          llmSpan({ ...base, span_id: spanIdOf(n), parent_span_id: spanIdOf(parent), kind, startMs: n * 10, tokens: { input_tokens: input, output_tokens: 1 }, costUsd: input / 1000 });
        await store.insertSpans([
          llmSpan({ ...base, span_id: spanIdOf(0), kind: "agent", name: "invoke_agent", tokens: { input_tokens: 9999, output_tokens: 999 }, costUsd: 9 }),
          call(1, 0, 100), // plain call under the agent
          makeSpan({ ...base, span_id: spanIdOf(2), parent_span_id: spanIdOf(0), kind: "tool", name: "search", startMs: 20 }),
          call(3, 2, 200), // call inside a tool
          call(4, 0, 300), // a wrapper llm span …
          makeSpan({ ...base, span_id: spanIdOf(5), parent_span_id: spanIdOf(4), kind: "custom", name: "POST /v1/messages", startMs: 50 }),
          call(6, 5, 400), // … whose call is two levels down, under a non-model span
          call(7, 0, 50, "embedding"),
          call(8, 0, 60, "rerank"),
        ]);
        const expected = { total_input_tokens: 100 + 200 + 400 + 50 + 60, total_output_tokens: 5, total_cost_usd: 0.81 };
        expect(await getTrace(store.sql, project, traceIdOf(4))).toMatchObject(expected);
        expect((await listTraces(store.sql, project)).data[0]).toMatchObject(expected);
        const usage = await usageMetrics(store.sql, project, { from: at(-60_000), to: at(60_000), bucket: "day" });
        expect(usage.data).toMatchObject([{ requests: 5, input_tokens: 810, output_tokens: 5, cost_usd: 0.81 }]);
      });
    });

    describe("listTraces", () => {
      test("pages through ~120 traces newest first, with ties, without gaps or duplicates", async () => {
        const project = newProjectId();
        const spans: CanonicalSpan[] = [];
        for (let i = 0; i < 123; i++) {
          const base = { project_id: project, trace_id: traceIdOf(i, 0x5eed) };
          const startMs = Math.floor(i / 3) * 1000; // three traces share each start time
          spans.push(makeSpan({ ...base, span_id: spanIdOf(0), name: `trace-${i}`, kind: "chain", startMs }));
          spans.push(llmSpan({ ...base, span_id: spanIdOf(1), parent_span_id: spanIdOf(0), startMs: startMs + 1 }));
        }
        await store.insertSpans(spans);
        const seen: TraceSummary[] = [];
        let cursor: string | undefined;
        let pages = 0;
        do {
          const page = await listTraces(store.sql, project, { limit: 25, cursor });
          seen.push(...page.data);
          cursor = page.next_cursor ?? undefined;
          pages++;
        } while (cursor && pages < 20);
        expect(pages).toBe(5);
        expect(new Set(seen.map((t) => t.trace_id)).size).toBe(123);
        const order = seen.map((t) => [t.start_time, t.trace_id].join(" "));
        expect(order).toEqual([...order].sort().reverse());
        expect(seen[0]).toMatchObject({ name: "trace-122", span_count: 2, total_tokens: 120, status: "ok" });
      });

      test("filters: time range, name, session, user, model, status, tags, environment, min cost", async () => {
        const project = newProjectId();
        const trace = (n: number, root: Partial<CanonicalSpan>, call: Partial<CanonicalSpan> & { costUsd?: number } = {}) => {
          const base = { project_id: project, trace_id: traceIdOf(n) };
          return [
            makeSpan({ ...base, span_id: spanIdOf(0), kind: "chain", startMs: n * 60_000, ...root }),
            llmSpan({ ...base, span_id: spanIdOf(1), parent_span_id: spanIdOf(0), startMs: n * 60_000 + 5, ...call }),
          ];
        };
        await store.insertSpans([
          ...trace(0, { name: "Checkout flow", session_id: "s-a", user_id: "alice", tags: ["web", "beta"], environment: "production" }),
          ...trace(1, { name: "refund", session_id: "s-b", user_id: "bob", tags: ["web"], environment: "staging" }, { model: "claude-sonnet", costUsd: 0.5 }),
          ...trace(2, { name: "checkout retry", user_id: "alice", status: "unset" }, { status: "error", costUsd: 0.2 }),
          ...trace(3, { name: "silent", status: "unset" }, { status: "unset", level: "default" }),
          ...trace(4, { name: "langfuse failure", status: "unset", level: "error" }, { status: "unset" }),
        ]);
        const ids = async (params: Parameters<typeof listTraces>[2]) =>
          (await listTraces(store.sql, project, params)).data.map((t) => Number.parseInt(t.trace_id.slice(8), 16) - 1);
        expect(await ids({})).toEqual([4, 3, 2, 1, 0]);
        expect(await ids({ from: at(60_000), to: at(180_000) })).toEqual([2, 1]);
        expect(await ids({ from: "2026-03-01T11:00:00.000+01:00", to: "2026-03-01T10:01:00Z" })).toEqual([0]);
        expect(await ids({ name: "CHECKOUT" })).toEqual([2, 0]);
        expect(await ids({ sessionId: "s-b" })).toEqual([1]);
        expect(await ids({ userId: "alice" })).toEqual([2, 0]);
        expect(await ids({ model: "claude-sonnet" })).toEqual([1]);
        expect(await ids({ status: "error" })).toEqual([4, 2]);
        expect(await ids({ status: "ok" })).toEqual([1, 0]);
        expect(await ids({ status: "unset" })).toEqual([3]);
        expect(await ids({ tags: ["web"] })).toEqual([1, 0]);
        expect(await ids({ tags: ["web", "beta"] })).toEqual([0]);
        expect(await ids({ environment: "staging" })).toEqual([1]);
        expect(await ids({ minCostUsd: 0.2 })).toEqual([2, 1]);
        expect(await ids({ minCostUsd: 0.2, userId: "alice", limit: 1 })).toEqual([2]);
        const errored = (await listTraces(store.sql, project, { status: "error" })).data;
        expect(errored.map((t) => t.status)).toEqual(["error", "error"]);
      });

      test("rejects bad input with TR_BAD_QUERY", async () => {
        const project = newProjectId();
        for (const params of [{ from: "yesterday" }, { limit: 0 }, { limit: 1001 }, { cursor: "not-a-cursor" }, { status: "fine" }, { minCostUsd: -1 }]) {
          await expect(listTraces(store.sql, project, params as never)).rejects.toMatchObject({ code: "TR_BAD_QUERY" });
        }
      });
    });

    describe("sessions", () => {
      test("list with totals and cursor, detail with traces in time order; list and detail agree", async () => {
        const project = newProjectId();
        const spans: CanonicalSpan[] = [];
        const sessions = [
          { id: "sess-1", user: "alice", traces: [0, 1, 2] },
          { id: "sess-2", user: "bob", traces: [3] },
          { id: "sess-3", user: "alice", traces: [4, 5] },
        ];
        for (const s of sessions) {
          for (const n of s.traces) {
            const base = { project_id: project, trace_id: traceIdOf(n) };
            // Session and user only on the root span, as many SDKs do.
            spans.push(makeSpan({ ...base, span_id: spanIdOf(0), kind: "agent", session_id: s.id, user_id: s.user, startMs: n * 60_000, durationMs: 2000 }));
            spans.push(llmSpan({ ...base, span_id: spanIdOf(1), parent_span_id: spanIdOf(0), startMs: n * 60_000 + 1, costUsd: 0.01 * (n + 1) }));
          }
        }
        await store.insertSpans(spans);
        const page1 = await listSessions(store.sql, project, { limit: 2 });
        expect(page1.data.map((s) => s.session_id)).toEqual(["sess-3", "sess-2"]);
        const page2 = await listSessions(store.sql, project, { limit: 2, cursor: page1.next_cursor ?? undefined });
        expect(page2.data.map((s) => s.session_id)).toEqual(["sess-1"]);
        expect(page2.next_cursor).toBeNull();
        const sess1 = page2.data[0];
        expect(sess1).toMatchObject({
          user_id: "alice",
          trace_count: 3,
          start_time: at(0),
          end_time: at(2 * 60_000 + 2000),
          total_input_tokens: 300,
          total_cost_usd: 0.06,
        });
        const detail = await getSession(store.sql, project, "sess-1");
        expect(detail?.traces.map((t) => t.trace_id)).toEqual([traceIdOf(0), traceIdOf(1), traceIdOf(2)]);
        const { traces: _traces, ...summary } = detail!;
        expect(summary).toEqual(sess1);
        expect((await listSessions(store.sql, project, { userId: "alice" })).data.map((s) => s.session_id)).toEqual(["sess-3", "sess-1"]);
        expect((await listSessions(store.sql, project, { from: at(100_000), to: at(200_000) })).data.map((s) => s.session_id)).toEqual([
          "sess-2",
          "sess-1",
        ]);
        expect(await getSession(store.sql, project, "nope")).toBeNull();
      });
    });

    describe("usage metrics", () => {
      test("buckets, groups, latency p50/p95 over model calls, errors", async () => {
        const project = newProjectId();
        const spans: CanonicalSpan[] = [];
        // 100 calls in minute 0 (durations 1..100 ms) on gpt-4o, 10 calls in minute 1 on claude (2 failed).
        for (let i = 0; i < 100; i++) {
          spans.push(llmSpan({ project_id: project, trace_id: traceIdOf(i), span_id: spanIdOf(0), startMs: i * 100, durationMs: i + 1, environment: "prod" }));
        }
        for (let i = 0; i < 10; i++) {
          const base = { project_id: project, trace_id: traceIdOf(200 + i) };
          spans.push(makeSpan({ ...base, span_id: spanIdOf(0), kind: "chain", startMs: 60_000 + i * 100, user_id: "carol", environment: "dev" }));
          spans.push(
            llmSpan({ ...base, span_id: spanIdOf(1), parent_span_id: spanIdOf(0), model: "claude", startMs: 60_000 + i * 100 + 1, durationMs: 10, status: i < 2 ? "error" : "ok" }),
          );
        }
        await store.insertSpans(spans);
        const range = { from: at(0), to: at(3_600_000) };
        const byMinute = await usageMetrics(store.sql, project, { ...range, bucket: "minute" });
        expect(byMinute.data).toHaveLength(2);
        expect(byMinute.data[0]).toEqual({
          bucket: "2026-03-01T10:00:00Z",
          requests: 100,
          input_tokens: 10_000,
          output_tokens: 2000,
          total_tokens: 12_000,
          cost_usd: 0.1,
          latency_p50_ms: 50.5,
          latency_p95_ms: 95.05,
          errors: 0,
        });
        expect(byMinute.data[1]).toMatchObject({ bucket: "2026-03-01T10:01:00Z", requests: 10, errors: 2, latency_p50_ms: 10 });
        const byHourModel = await usageMetrics(store.sql, project, { ...range, bucket: "hour", groupBy: "model" });
        expect(byHourModel.data.map((r) => [r.bucket, r.group, r.requests])).toEqual([
          ["2026-03-01T10:00:00Z", "claude", 10],
          ["2026-03-01T10:00:00Z", "gpt-4o", 100],
        ]);
        const byUser = await usageMetrics(store.sql, project, { ...range, bucket: "day", groupBy: "user" });
        expect(byUser.data.map((r) => [r.bucket, r.group, r.requests])).toEqual([
          ["2026-03-01T00:00:00Z", "carol", 10],
          ["2026-03-01T00:00:00Z", null, 100],
        ]);
        const byEnv = await usageMetrics(store.sql, project, { ...range, bucket: "day", groupBy: "environment" });
        expect(byEnv.data.map((r) => [r.group, r.requests])).toEqual([
          ["dev", 10],
          ["prod", 100],
        ]);
        await expect(usageMetrics(store.sql, project, { from: at(0), to: at(30 * 86_400_000), bucket: "minute" })).rejects.toMatchObject({
          code: "TR_BAD_QUERY",
        });
      });
    });

    describe("restart", () => {
      test("reopening the store keeps the data, applies no migration, and a new writer folds later pieces", async () => {
        const project = newProjectId();
        const [create, update] = generationPieces(project, traceIdOf(9));
        await createSpanWriter(store).write([create]);
        await store.close();
        store = await backend.open();
        expect((await store.migrate()).applied).toEqual([]);
        await createSpanWriter(store).write([update]);
        const detail = await getTrace(store.sql, project, traceIdOf(9));
        expect(detail?.spans).toEqual([expect.objectContaining(expectedGeneration(project, traceIdOf(9)))]);
      }, 60_000);
    });
  });
}

function withoutSpans(detail: Awaited<ReturnType<typeof getTrace>>): TraceSummary | undefined {
  if (!detail) return undefined;
  const { spans: _spans, ...summary } = detail;
  return summary;
}

/** A span with every canonical field set (non-null), for the round-trip test. */
function fullSpan(project: string): CanonicalSpan {
  return {
    schema_version: 1,
    trace_id: traceIdOf(42),
    span_id: spanIdOf(1),
    parent_span_id: spanIdOf(0),
    project_id: project,
    name: "chat claude-sonnet",
    kind: "llm",
    start_time: "2026-03-01T10:00:00.123456Z",
    end_time: "2026-03-01T10:00:01.654321Z",
    duration_ms: 1530.865,
    status: "error",
    status_message: "rate limited",
    level: "warning",
    session_id: "session-1",
    user_id: "user-1",
    tags: ["beta", "web"],
    environment: "production",
    release: "v1.2.3",
    service_name: "support-bot",
    model: "claude-sonnet-4",
    provider: "anthropic",
    model_parameters: { temperature: 0.2, max_tokens: 1024, stop: ["\n\n"] },
    input: [{ role: "user", content: "Hello \"quoted\" — ünïcode ✓" }],
    output: [{ role: "assistant", content: [{ type: "text", text: "Hi" }] }],
    usage: { input_tokens: 1200, output_tokens: 300, total_tokens: 1500, cache_read_tokens: 1000, cache_write_tokens: 100, reasoning_tokens: 50 },
    cost: { input_usd: 0.0036, output_usd: 0.0045, total_usd: 0.0081, source: "computed" },
    stop_reason: "tool_use",
    first_token_ms: 320.5,
    thinking: "Let me think.",
    tool_calls: [{ id: "call_1", name: "get_weather", arguments: { city: "Paris" } }],
    prompt: { name: "support", version: 3 },
    attributes: { "http.status_code": 429, "retry": true, "langfuse.trace.id": "abc", list: [1, "a"], none: null },
    events: [{ name: "exception", time: "2026-03-01T10:00:01.000001Z", attributes: { "exception.type": "RateLimit" } }],
    source: { format: "otlp", convention: "openinference" },
  };
}

/** Langfuse-style generation-create and generation-update pieces of one span (placeholders elsewhere). */
function generationPieces(project: string, traceId: string): [SpanEnvelope, SpanEnvelope] {
  const base = { project_id: project, trace_id: traceId, span_id: spanIdOf(1), source: { format: "langfuse" as const, convention: "langfuse" } };
  const create: SpanEnvelope = {
    span: makeSpan({ ...base, name: "generation", kind: "llm", start_time: at(0), end_time: null, status: "unset", model: "gpt-4o-mini", input: [{ role: "user", content: "hi" }] }),
    piece: { id: `${traceId}-create`, order: 1_000, seq: 0, fields: ["name", "kind", "start_time", "model", "input"] },
  };
  const update: SpanEnvelope = {
    span: makeSpan({
      ...base,
      name: "",
      kind: "custom",
      start_time: at(2_000),
      end_time: at(2_500),
      status: "ok",
      output: { role: "assistant", content: "hello" },
      usage: { input_tokens: 30, output_tokens: 7, total_tokens: 37 },
      cost: { total_usd: 0.0003, source: "reported" },
    }),
    piece: { id: `${traceId}-update`, order: 2_000, seq: 1, fields: ["end_time", "status", "output", "usage", "cost"] },
  };
  return [create, update];
}

function expectedGeneration(project: string, traceId: string): Partial<CanonicalSpan> {
  return {
    project_id: project,
    trace_id: traceId,
    span_id: spanIdOf(1),
    name: "generation",
    kind: "llm",
    start_time: at(0),
    end_time: at(2_500),
    duration_ms: 2500,
    status: "ok",
    model: "gpt-4o-mini",
    input: [{ role: "user", content: "hi" }],
    output: { role: "assistant", content: "hello" },
    usage: { input_tokens: 30, output_tokens: 7, total_tokens: 37 },
  };
}

// The store destination: the shared compliance suite against the ClickHouse HTTP interface (server
// mode, the real server client pointed at the contract server), and against the real embedded engine
// (chDB): what is written, how refused spans and engine failures are classified.
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Registry } from "prom-client";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { attachPiece } from "../../lib/span/envelope.ts";
import { parseSpanBytes } from "../../lib/span/json.ts";
import type { CanonicalSpan } from "../../lib/span/types.ts";
import { openStore, unmigratedStore } from "../../lib/store/index.ts";
import { createServerClient } from "../../lib/store/server-client.ts";
import { createSpanWriter } from "../../lib/store/span-writer.ts";
import { makeSpan } from "../../lib/store/testing.ts";
import type { Store } from "../../lib/store/types.ts";
import { createDelivery, InMemoryDeadLetterSink, PartialFailureError, RetryableError, resolveDeliveryOptions, spanKey } from "../_delivery/index.ts";
import { destinationComplianceSuite } from "../_testkit/compliance.ts";
import type { ReceivedRequest } from "../_testkit/contract-server.ts";
import { realTick } from "../_testkit/drive.ts";
import { mapStore, parseStoreConfig, STORE_DEFAULTS, storeModule } from "./index.ts";

/** What a ClickHouse server receives: an INSERT in the query string, the spans as JSON lines. */
function decode(req: ReceivedRequest) {
  expect(req.method).toBe("POST");
  const url = new URL(req.path, "http://clickhouse");
  expect(url.searchParams.get("query")).toBe("INSERT INTO spans FORMAT JSONEachRow");
  expect(url.searchParams.get("database")).toBe("tracerelay");
  const rows = req.body
    .toString("utf8")
    .split("\n")
    .filter((line) => line.trim() !== "")
    .map((line) => JSON.parse(line) as { span_id: string });
  return { spanIds: rows.map((r) => r.span_id), idempotencyKey: url.searchParams.get("query_id") ?? undefined };
}

/**
 * @clickhouse/client (used here for the CREATE DATABASE at start; span inserts are plain HTTP posts)
 * starts a request from a timer the suite's fake clock holds back: while `work` is pending, due timers
 * are run (no simulated time passes) and real I/O goes on.
 */
async function runningDueTimers<T>(work: Promise<T>): Promise<T> {
  let settled = false;
  work.then(
    () => (settled = true),
    () => (settled = true),
  );
  while (!settled) {
    await vi.advanceTimersByTimeAsync(0);
    await realTick();
  }
  return work;
}

// Against the ClickHouse HTTP interface (server mode): the real server client pointed at the contract server.
destinationComplianceSuite("store", async (server) => {
  const sql = await runningDueTimers(createServerClient({ url: server.url, database: "tracerelay" }));
  server.requests.splice(0); // the client's CREATE DATABASE at start is not part of any delivery
  const adapter = storeModule.adapter("store", parseStoreConfig({}), { spanWriter: createSpanWriter(unmigratedStore(sql)) });
  return { adapter, decode, close: () => sql.close() };
});

describe("store config", () => {
  it("is the delivery block alone, over the store's defaults", () => {
    const config = parseStoreConfig({});
    expect(config.delivery).toMatchObject({ batch: { max_spans: 1000 }, concurrency: 2, timeout_ms: 120_000, retry: { window_ms: 72 * 3600_000 } });
    expect(STORE_DEFAULTS.concurrency).toBe(2);
    expect(parseStoreConfig({ delivery: { batch: { max_spans: 50 } } }).delivery.batch.max_spans).toBe(50);
    expect(() => parseStoreConfig({ url: "x" })).toThrow(/store must NOT have additional properties \(url\)/);
  });
});

describe("store mapper", () => {
  it("writes a complete span as the bytes it was parsed from, and a piece as a piece", () => {
    const bytes = Buffer.from(JSON.stringify(makeSpan({ trace_id: "a".repeat(32), span_id: "1".repeat(16), project_id: "p" })));
    const whole = parseSpanBytes(bytes);
    const part = makeSpan({ trace_id: "a".repeat(32), span_id: "2".repeat(16), project_id: "p" });
    attachPiece(part, { id: "e1", order: 1, seq: 0, fields: ["name"] });
    const request = mapStore([whole, part]);
    expect(request.items[0]).toEqual({ raw: bytes });
    expect((request.items[0] as { raw: Buffer }).raw).toBe(bytes);
    expect(request.items[1]).toEqual({ span: part, piece: { id: "e1", order: 1, seq: 0, fields: ["name"] } });
    expect(mapStore([part, whole]).idempotencyKey).toBe(request.idempotencyKey);
  });
});

describe("store destination on the embedded engine (chDB)", () => {
  let dataDir: string;
  let store: Store;
  beforeAll(async () => {
    dataDir = await mkdtemp(join(tmpdir(), "tracerelay-store-dest-"));
    store = await openStore({ dataDir });
  }, 60_000);
  afterAll(async () => {
    await store.close();
    await rm(dataDir, { recursive: true, force: true });
  });

  const spanIdsInStore = async (traceId: string) =>
    (await store.sql.query<{ span_id: string }>("SELECT span_id FROM spans FINAL WHERE trace_id = {t:String} ORDER BY span_id", { t: traceId })).map((r) => r.span_id);

  it("writes through the helper; a span the engine refuses is dead-lettered alone with the reason, the rest is stored", async () => {
    const trace = "b".repeat(32);
    const good = [1, 2, 3].map((i) => makeSpan({ trace_id: trace, span_id: String(i).repeat(16), project_id: "p" }));
    const bad = { ...makeSpan({ trace_id: trace, span_id: "4".repeat(16), project_id: "p" }), start_time: "not a time" } as CanonicalSpan;
    const written: number[] = [];
    const dlq = new InMemoryDeadLetterSink();
    const adapter = storeModule.adapter("store", parseStoreConfig({}), { spanWriter: createSpanWriter(store), onStoreWritten: (n) => written.push(n) });
    const delivery = createDelivery(adapter, resolveDeliveryOptions({ batch: { max_wait_ms: 10 } }), { registry: new Registry(), deadLetters: dlq });
    await delivery.deliver([good[0], bad, good[1], good[2]]);
    await delivery.close();
    expect(await spanIdsInStore(trace)).toEqual(good.map((s) => s.span_id));
    expect(dlq.letters).toHaveLength(1);
    expect(dlq.letters[0].spans.map(spanKey)).toEqual([spanKey(bad)]);
    expect(dlq.letters[0].error).toMatchObject({ class: "permanent" });
    expect(dlq.letters[0].error.message).toMatch(/^not retryable: not a valid canonical span: .*start_time/);
    expect(written).toEqual([3]);
  });

  it("an engine failure with valid spans is retryable (the spans wait on the bus), not a refusal", async () => {
    const client = storeModule.adapter("store", parseStoreConfig({}), {
      spanWriter: {
        write: async () => {
          throw new Error("Code: 241. DB::Exception: Memory limit exceeded. (MEMORY_LIMIT_EXCEEDED)");
        },
        clearCache() {},
      },
    }).client;
    const spans = [makeSpan({ trace_id: "c".repeat(32), span_id: "1".repeat(16), project_id: "p" })];
    const error = await client.send(mapStore(spans), { signal: new AbortController().signal, attempt: 1 }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RetryableError);
    expect(error).not.toBeInstanceOf(PartialFailureError);
    expect((error as Error).message).toContain("MEMORY_LIMIT_EXCEEDED");
  });
});

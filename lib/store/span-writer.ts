// The span writer: what the store destination calls with each batch of envelopes from the bus.
//
// - An envelope without `piece` is a complete span: inserted as it is (row version 0).
// - Envelopes WITH a piece are parts of one span (Langfuse create/update, LangSmith post/patch). For each
//   span in the batch the writer gathers every piece known so far — from a bounded in-memory LRU, else
//   from `span_pieces` in ONE query for all spans the cache misses — adds the batch's new pieces, folds
//   them with mergePieces() (lib/span/merge.ts: dedupe by piece id, order by (order, seq)) and writes the
//   merged span with row version = number of distinct pieces folded.
//
// Invariants:
// - `span_pieces` is the truth; the cache only saves the query. New pieces are stored BEFORE the merged
//   span, so a crash between the two is repaired by the redelivery (the fold is recomputed from the table).
// - A fold over more pieces has a higher version, so it replaces any earlier, partial fold regardless of
//   arrival order; a redelivered piece changes neither the set nor the result.
// - One INSERT per table per write() call; write() calls that carry pieces run one after another
//   (complete spans alone touch neither the pieces table nor the cache, and a fold's higher version
//   wins over a complete span whatever the order of their inserts).
// - The cache assumes one writer per span at a time (the bus is keyed by trace id, so one consumer owns a
//   trace); call clearCache() when partitions move to another consumer.
import { createHash } from "node:crypto";
import type { SpanEnvelope } from "../span/envelope.ts";
import { computeCost, type PriceOverrides } from "../pricing/index.ts";
import { mergePieces } from "../span/merge.ts";
import { joinLines } from "./span-insert.ts";
import { spanLine } from "./span-row.ts";
import type { CanonicalSpan } from "../span/types.ts";
import { LruCache } from "./lru-cache.ts";
import { type PieceEnvelope, insertPieces, loadPieces, spanKey } from "./piece-table.ts";
import type { InsertOptions, Store } from "./types.ts";

export type MergePieces = (pieces: readonly SpanEnvelope[]) => CanonicalSpan;

export interface SpanWriterOptions {
  /** Spans whose pieces are kept in memory (default 2000). 0 disables the cache. */
  cacheSpans?: number;
  /** The fold; default: mergePieces from lib/span/merge.ts. */
  mergePieces?: MergePieces;
  /**
   * Model prices from configuration. A span folded from pieces gets its cost only once folded (usage
   * often arrives in a later piece than the model), so the writer computes it here; reported wins.
   */
  priceOverrides?: PriceOverrides;
}

/** A complete span that is already canonical JSON (straight from the bus): written without parsing. */
export interface RawSpanLine {
  raw: Buffer;
}

/** Passed to the spans INSERT (see InsertOptions): the delivery's idempotency key and timeout. */
export type SpanWriteOptions = Omit<InsertOptions, "settings">;

export interface SpanWriter {
  /** Writes complete spans (raw or parsed) and folds pieces; one INSERT for the spans of a call. */
  write(items: ReadonlyArray<SpanEnvelope | RawSpanLine>, options?: SpanWriteOptions): Promise<void>;
  /** Forgets cached pieces (e.g. when bus partitions were reassigned); the pieces table stays the truth. */
  clearCache(): void;
}

export function createSpanWriter(store: Store, opts: SpanWriterOptions = {}): SpanWriter {
  const cache = new LruCache<string, PieceEnvelope[]>(opts.cacheSpans ?? 2000);
  let tail: Promise<void> = Promise.resolve();

  async function writeBatch(items: ReadonlyArray<SpanEnvelope | RawSpanLine>, options: SpanWriteOptions): Promise<void> {
    const lines: Buffer[] = [];
    const newPiecesBySpan = new Map<string, PieceEnvelope[]>();
    for (const item of items) {
      if ("raw" in item) {
        lines.push(item.raw);
        continue;
      }
      if (!item.piece) {
        lines.push(Buffer.from(spanLine(item.span)));
        continue;
      }
      const key = spanKey(item.span);
      const list = newPiecesBySpan.get(key) ?? [];
      list.push(withPieceId(item as PieceEnvelope));
      newPiecesBySpan.set(key, list);
    }

    const known = await knownPieces(newPiecesBySpan);
    const merge = opts.mergePieces ?? mergePieces;
    const piecesToStore: PieceEnvelope[] = [];
    const nextCache = new Map<string, PieceEnvelope[]>();
    for (const [key, incoming] of newPiecesBySpan) {
      const earlier = known.get(key) ?? [];
      const stored = new Set(earlier.map((p) => p.piece.id));
      for (const piece of uniqueById(incoming)) if (!stored.has(piece.piece.id)) piecesToStore.push(piece);
      const all = uniqueById([...earlier, ...incoming]);
      // A fold over more pieces gets a higher version, so it replaces any fold over fewer.
      lines.push(Buffer.from(spanLine(withCost(merge(all), opts.priceOverrides), all.length)));
      nextCache.set(key, all);
    }

    if (piecesToStore.length > 0) await insertPieces(store.sql, piecesToStore);
    await store.insertSpanLines(joinLines(lines), options);
    for (const [key, pieces] of nextCache) cache.set(key, pieces);
  }

  /** Earlier pieces of each span: from the cache, else one query for all cache misses. */
  async function knownPieces(spans: Map<string, PieceEnvelope[]>): Promise<Map<string, PieceEnvelope[]>> {
    const known = new Map<string, PieceEnvelope[]>();
    const missing: CanonicalSpan[] = [];
    for (const [key, pieces] of spans) {
      const cached = cache.get(key);
      if (cached) known.set(key, cached);
      else missing.push(pieces[0].span);
    }
    if (missing.length === 0) return known;
    for (const [key, pieces] of await loadPieces(store.sql, missing)) known.set(key, pieces);
    return known;
  }

  return {
    write(envelopes, options = {}) {
      // Only folds need the order (the pieces cache); complete spans alone never wait for another call.
      if (envelopes.every((e) => "raw" in e || !e.piece)) return writeBatch(envelopes, options);
      const run = tail.then(() => writeBatch(envelopes, options));
      tail = run.catch(() => {});
      return run;
    },
    clearCache() {
      cache.clear();
    },
  };
}

/**
 * A piece without an id (allowed by mergePieces: never a duplicate) gets one from its content, so it is
 * stored as its own row and an exact redelivery of it is still recognised.
 */
function withPieceId(envelope: PieceEnvelope): PieceEnvelope {
  if (envelope.piece.id !== "") return envelope;
  const id = `content:${createHash("sha256").update(JSON.stringify(envelope)).digest("hex").slice(0, 32)}`;
  return { span: envelope.span, piece: { ...envelope.piece, id } };
}

function uniqueById(pieces: readonly PieceEnvelope[]): PieceEnvelope[] {
  const byId = new Map<string, PieceEnvelope>();
  for (const piece of pieces) if (!byId.has(piece.piece.id)) byId.set(piece.piece.id, piece);
  return [...byId.values()];
}

/** Reported cost wins; otherwise compute it from the folded model and usage (none when unpriced). */
function withCost(span: CanonicalSpan, overrides: PriceOverrides | undefined): CanonicalSpan {
  const cost = computeCost(span, overrides);
  return cost ? { ...span, cost } : span;
}

// The store: ClickHouse. Two implementations issue the SAME SQL (lib/store/sql/ and the explorer query
// builders in services/explorer/queries/): chDB in-process (default, npm `chdb`) and a ClickHouse server
// (`store.url`, @clickhouse/client). Everything above this interface is backend-agnostic.
import type { CanonicalSpan } from "../span/types.ts";

export type InsertSettings = Record<string, string | number>;

/** Per-insert options of the span hot path. */
export interface InsertOptions {
  settings?: InsertSettings;
  /** A server-mode insert is sent with this query id (the delivery's idempotency key: retries share it). */
  queryId?: string;
  /** Aborts a server-mode insert (the delivery helper's per-request timeout); chDB cannot abort one. */
  signal?: AbortSignal;
}

export type QueryParams = Record<string, string | number | boolean | null | string[] | number[]>;

export interface SqlClient {
  readonly kind: "chdb" | "server";
  /** Runs a statement that returns no rows (DDL, INSERT … SELECT). Params use ClickHouse `{name:Type}` syntax. */
  command(sql: string, params?: QueryParams): Promise<void>;
  /**
   * Runs a SELECT and returns rows as objects (JSONEachRow). 64-bit integers may arrive as strings or
   * numbers depending on the engine's defaults: convert with Number() (see services/explorer/queries/rows.ts).
   */
  query<T = Record<string, unknown>>(sql: string, params?: QueryParams): Promise<T[]>;
  /** Inserts rows as JSONEachRow into a table of the store's database, in ONE insert. */
  insert(table: string, rows: readonly Record<string, unknown>[]): Promise<void>;
  /**
   * Inserts raw JSONEachRow bytes (one JSON object per line) in ONE insert, parsed inside the engine:
   * the hot path for spans that are already JSON, so nothing is parsed or re-encoded in JavaScript.
   */
  insertJsonLines(table: string, lines: Buffer, options?: InsertOptions): Promise<void>;
  close(): Promise<void>;
}

export interface MigrationReport {
  /** Migrations applied by this call, e.g. ["001-spans"]; empty when the schema was current. */
  applied: string[];
}

export interface Store {
  readonly sql: SqlClient;
  /** Applies pending versioned migrations (lib/store/sql/migrations/NNN-*.sql) and records them. */
  migrate(): Promise<MigrationReport>;
  /**
   * Writes complete spans in one INSERT. Idempotent: the same span (project, trace, span id) written
   * again replaces the earlier row, so redelivery never shows a span twice. `versions[i]` (default 0)
   * is the row version of `spans[i]`: of two rows for one span the higher version wins (equal: the later
   * insert). Spans sent in pieces go through the span writer (lib/store/span-writer.ts), which folds
   * them and writes the merged span with a higher version.
   */
  insertSpans(spans: readonly CanonicalSpan[], versions?: readonly number[]): Promise<void>;
  /** Writes canonical spans that are already JSON (one per line, e.g. straight from the bus) in one INSERT. */
  insertSpanLines(lines: Buffer, options?: Omit<InsertOptions, "settings">): Promise<void>;
  close(): Promise<void>;
}

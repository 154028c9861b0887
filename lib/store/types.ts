// The store: ClickHouse. Two implementations issue the SAME SQL (lib/store/sql/): chDB in-process
// (default, npm `chdb`) and a ClickHouse server (`store.url`, @clickhouse/client).
import type { CanonicalSpan } from "../span/types.ts";

export type QueryParams = Record<string, string | number | boolean | null | string[] | number[]>;

export interface SqlClient {
  readonly kind: "chdb" | "server";
  /** Runs a statement that returns no rows (DDL, INSERT … SELECT). Params use ClickHouse `{name:Type}` syntax. */
  command(sql: string, params?: QueryParams): Promise<void>;
  /** Runs a SELECT and returns rows as objects (JSONEachRow; 64-bit ints arrive as strings unless cast). */
  query<T = Record<string, unknown>>(sql: string, params?: QueryParams): Promise<T[]>;
  /** Inserts rows as JSONEachRow into a table. */
  insert(table: string, rows: Record<string, unknown>[]): Promise<void>;
  close(): Promise<void>;
}

export interface Store {
  readonly sql: SqlClient;
  /** Applies pending versioned migrations (lib/store/sql/migrations/NNN-*.sql) and records them. */
  migrate(): Promise<void>;
  /**
   * Writes spans. Idempotent: the same span (project, trace, span id) written again replaces the
   * earlier row, so redelivery never shows a span twice. Pieces of one span (Langfuse create/update)
   * arrive already merged (see lib/span/merge.ts).
   */
  insertSpans(spans: CanonicalSpan[]): Promise<void>;
  close(): Promise<void>;
}

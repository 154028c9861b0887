// openStore: the ClickHouse-backed span store. chDB in-process (data under `<dataDir>/store`) unless a
// server `url` is given; either way the same migrations and the same SQL. Migrations are applied on open.
import { join } from "node:path";
import type { CanonicalSpan } from "../span/types.ts";
import { createChdbClient } from "./chdb-client.ts";
import { migrate } from "./migrations.ts";
import { createServerClient } from "./server-client.ts";
import { SPAN_INSERT_SETTINGS } from "./span-insert.ts";
import { spanLine } from "./span-row.ts";
import type { SqlClient, Store } from "./types.ts";

export type { MigrationReport, QueryParams, SqlClient, Store } from "./types.ts";
export { StoreError } from "./errors.ts";
export { createSpanWriter, type SpanWriter, type SpanWriterOptions } from "./span-writer.ts";

export interface OpenStoreOptions {
  /** The node's data directory; chDB keeps its files in `<dataDir>/store`. */
  dataDir: string;
  /** ClickHouse server URL (e.g. http://localhost:8123); when set, chDB is not used. */
  url?: string;
  username?: string;
  password?: string;
  /** Database holding the store's tables (created if missing). */
  database?: string;
}

export async function openStore(opts: OpenStoreOptions): Promise<Store> {
  const database = opts.database ?? "tracerelay";
  const sql = opts.url
    ? await createServerClient({ url: opts.url, username: opts.username, password: opts.password, database })
    : await createChdbClient({ path: join(opts.dataDir, "store"), database });
  return storeOver(sql);
}

/** A Store over any SqlClient (migrated before it is returned). */
export async function storeOver(sql: SqlClient): Promise<Store> {
  const store = unmigratedStore(sql);
  try {
    await store.migrate();
  } catch (err) {
    await sql.close();
    throw err;
  }
  return store;
}

/** A Store over a SqlClient, without touching the schema (for tests that stand in for a server). */
export function unmigratedStore(sql: SqlClient): Store {
  return {
    sql,
    migrate: () => migrate(sql),
    async insertSpans(spans: readonly CanonicalSpan[], versions?: readonly number[]) {
      if (spans.length === 0) return;
      await sql.insertJsonLines("spans", Buffer.from(spans.map((span, i) => spanLine(span, versions?.[i] ?? 0)).join("\n")), { settings: SPAN_INSERT_SETTINGS });
    },
    async insertSpanLines(lines: Buffer, options = {}) {
      await sql.insertJsonLines("spans", lines, { ...options, settings: SPAN_INSERT_SETTINGS });
    },
    close: () => sql.close(),
  };
}

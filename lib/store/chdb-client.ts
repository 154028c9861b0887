// SqlClient over chDB: the ClickHouse engine in-process (npm `chdb`). Default store for single-node runs.
//
// Invariants:
// - ONE chDB Session per data path per process (the engine is a process singleton). Sessions are kept
//   in a registry, shared and reference-counted; opening a second data path while one is live, or the
//   same path with another database, is refused with a clear error.
// - Only the non-blocking calls (`queryAsync`, `queryBindAsync`, raw `insert`) are used: the event loop
//   never waits on the engine.
// - Parameters bind server-side with ClickHouse `{name:Type}` syntax, exactly as on a server.
// - The session's current database is set once (`USE`), so the SQL names tables unqualified, the same
//   text a server client sends with its `database` setting.
import { mkdir } from "node:fs/promises";
import { Session } from "chdb";
import { StoreError, errorMessage, sqlExcerpt } from "./errors.ts";
import type { InsertOptions, QueryParams, SqlClient } from "./types.ts";

export interface ChdbClientOptions {
  /** Directory holding the engine's data (created if missing). */
  path: string;
  /** Database the store's tables live in; created if missing. */
  database: string;
}

interface OpenSession {
  session: Session;
  database: string;
  refs: number;
}

const sessions = new Map<string, OpenSession>();

export async function createChdbClient(opts: ChdbClientOptions): Promise<SqlClient> {
  assertIdentifier(opts.database);
  const entry = await acquireSession(opts.path, opts.database);
  let closed = false;
  const session = (): Session => {
    if (closed) throw new StoreError("STORE_CLOSED", "the chDB store client is closed");
    return entry.session;
  };

  const insertJsonLines = async (table: string, lines: Buffer, { settings }: InsertOptions = {}): Promise<void> => {
    if (lines.length === 0) return;
    assertIdentifier(table);
    // One raw JSONEachRow payload: the same bytes a server receives, parsed inside the engine.
    try {
      await session().insert({ table, values: lines, format: "JSONEachRow", settings });
    } catch (err) {
      throw new StoreError("STORE_INSERT_FAILED", `chDB insert into ${table} (${lines.length} bytes) failed: ${errorMessage(err)}`, {
        cause: err,
      });
    }
  };

  return {
    kind: "chdb",
    async command(sql, params) {
      await run(session(), sql, params, "STORE_QUERY_FAILED");
    },
    async query<T>(sql: string, params?: QueryParams): Promise<T[]> {
      const text = await run(session(), sql, params, "STORE_QUERY_FAILED");
      return parseJsonEachRow<T>(text);
    },
    async insert(table, rows) {
      if (rows.length === 0) return;
      await insertJsonLines(table, Buffer.from(rows.map((r) => JSON.stringify(r)).join("\n")));
    },
    insertJsonLines,
    async close() {
      if (closed) return;
      closed = true;
      releaseSession(opts.path);
    },
  };
}

async function acquireSession(path: string, database: string): Promise<OpenSession> {
  const existing = sessions.get(path);
  if (existing) {
    if (existing.database !== database) {
      throw new StoreError(
        "STORE_OPEN_FAILED",
        `chDB data path ${path} is already open with database "${existing.database}"; one database per data path per process`,
      );
    }
    existing.refs++;
    return existing;
  }
  const other = sessions.keys().next();
  if (!other.done) {
    throw new StoreError("STORE_OPEN_FAILED", `chDB is already open on ${other.value}; one data path per process (asked for ${path})`);
  }
  await mkdir(path, { recursive: true });
  let session: Session;
  try {
    session = new Session(path);
  } catch (err) {
    throw new StoreError("STORE_OPEN_FAILED", `could not open chDB at ${path}: ${errorMessage(err)}`, { cause: err });
  }
  const entry: OpenSession = { session, database, refs: 1 };
  sessions.set(path, entry);
  try {
    // Identifiers are validated above; DDL cannot bind them as values.
    await run(session, `CREATE DATABASE IF NOT EXISTS ${database}`, undefined, "STORE_OPEN_FAILED");
    await run(session, `USE ${database}`, undefined, "STORE_OPEN_FAILED");
  } catch (err) {
    releaseSession(path);
    throw err;
  }
  return entry;
}

function releaseSession(path: string): void {
  const entry = sessions.get(path);
  if (!entry) return;
  entry.refs--;
  if (entry.refs > 0) return;
  sessions.delete(path);
  entry.session.close();
}

async function run(session: Session, sql: string, params: QueryParams | undefined, code: "STORE_QUERY_FAILED" | "STORE_OPEN_FAILED"): Promise<string> {
  try {
    const result =
      params && Object.keys(params).length > 0
        ? await session.queryBindAsync(sql, params, { format: "JSONEachRow" })
        : await session.queryAsync(sql, { format: "JSONEachRow" });
    return result.text();
  } catch (err) {
    throw new StoreError(code, `chDB: ${errorMessage(err)} — in: ${sqlExcerpt(sql)}`, { cause: err });
  }
}

export function parseJsonEachRow<T>(text: string): T[] {
  const rows: T[] = [];
  for (const line of text.split("\n")) if (line !== "") rows.push(JSON.parse(line) as T);
  return rows;
}

const IDENTIFIER = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** Database and table names go into DDL text, so only plain identifiers are accepted. */
export function assertIdentifier(name: string): void {
  if (!IDENTIFIER.test(name)) throw new StoreError("STORE_OPEN_FAILED", `not a plain identifier: ${JSON.stringify(name)}`);
}

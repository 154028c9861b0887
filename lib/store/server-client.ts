// SqlClient over a ClickHouse server (@clickhouse/client, HTTP). Used when `store.url` is configured.
//
// Invariants:
// - The same SQL text and `{name:Type}` parameters as the chDB client; rows in and out as JSONEachRow.
// - Tables are named unqualified: the client carries the store's database, which is created first
//   through a bootstrap connection (a server refuses requests naming a database that does not exist).
// - Errors carry the server's message and a short excerpt of the statement.
import { Readable } from "node:stream";
import { type ClickHouseClient, createClient } from "@clickhouse/client";
import { assertIdentifier } from "./chdb-client.ts";
import { type HttpAnswer, httpPost } from "../http/post.ts";
import { type ServerAnswer, StoreError, errorMessage, sqlExcerpt } from "./errors.ts";
import type { QueryParams, SqlClient } from "./types.ts";

export interface ServerClientOptions {
  /** e.g. http://localhost:8123 (credentials may be in the URL or given below). */
  url?: string;
  username?: string;
  password?: string;
  database: string;
  /**
   * Builds the underlying client for a database (default: createClient({ url, username, password,
   * database })). Tests use it to run this client over another transport (e.g. chdb/connection).
   */
  connect?: (database: string) => ClickHouseClient;
}

export async function createServerClient(opts: ServerClientOptions): Promise<SqlClient> {
  assertIdentifier(opts.database);
  const connect =
    opts.connect ??
    ((database: string) =>
      createClient({ url: opts.url, username: opts.username, password: opts.password, database, request_timeout: 120_000 }));

  const bootstrap = connect("default");
  try {
    await bootstrap.command({ query: `CREATE DATABASE IF NOT EXISTS ${opts.database}` });
  } catch (err) {
    throw new StoreError("STORE_OPEN_FAILED", `ClickHouse server at ${opts.url ?? "(custom)"}: ${errorMessage(err)}`, { cause: err });
  } finally {
    if (opts.database !== "default") await bootstrap.close();
  }
  const client = opts.database === "default" ? bootstrap : connect(opts.database);
  const http = insertTarget(opts);
  let closed = false;
  const live = (): ClickHouseClient => {
    if (closed) throw new StoreError("STORE_CLOSED", "the ClickHouse store client is closed");
    return client;
  };

  return {
    kind: "server",
    async command(sql, params) {
      try {
        await live().command({ query: sql, query_params: params });
      } catch (err) {
        throw wrap(err, sql);
      }
    },
    async query<T>(sql: string, params?: QueryParams): Promise<T[]> {
      try {
        const result = await live().query({ query: sql, query_params: params, format: "JSONEachRow" });
        return await result.json<T>();
      } catch (err) {
        throw wrap(err, sql);
      }
    },
    async insert(table, rows) {
      if (rows.length === 0) return;
      assertIdentifier(table);
      try {
        await live().insert({ table, values: rows as Record<string, unknown>[], format: "JSONEachRow" });
      } catch (err) {
        throw new StoreError("STORE_INSERT_FAILED", `ClickHouse insert into ${table} (${rows.length} rows) failed: ${errorMessage(err)}`, {
          cause: err,
        });
      }
    },
    async insertJsonLines(table, lines, { settings, queryId, signal } = {}) {
      if (lines.length === 0) return;
      assertIdentifier(table);
      const query = `INSERT INTO ${table} FORMAT JSONEachRow`;
      const failed = (detail: string, cause: unknown, response?: ServerAnswer) =>
        new StoreError("STORE_INSERT_FAILED", `ClickHouse insert into ${table} (${lines.length} bytes) failed: ${detail}`, { cause, response });
      if (!http) {
        try {
          const result = await live().exec({ query, values: Readable.from([lines]), clickhouse_settings: settings as Record<string, string>, query_id: queryId, abort_signal: signal });
          result.stream.resume();
        } catch (err) {
          throw failed(errorMessage(err), err);
        }
        return;
      }
      live();
      const url = new URL(http.base);
      url.searchParams.set("query", query);
      if (queryId) url.searchParams.set("query_id", queryId);
      for (const [name, value] of Object.entries(settings ?? {})) url.searchParams.set(name, String(value));
      let answer: HttpAnswer;
      try {
        answer = await httpPost(url, { headers: http.headers, body: lines, signal });
      } catch (err) {
        throw failed(errorMessage(err), err);
      }
      // An exception after the status line was sent shows in this header even on a 200.
      const exception = answer.headers.get("x-clickhouse-exception-code");
      if (answer.ok && !exception) return;
      const status = answer.ok ? 500 : answer.status;
      const body = answer.body.toString("utf8").trim();
      throw failed(`HTTP ${status}: ${body.slice(0, 500)}`, undefined, { status, body, retryAfter: answer.headers.get("retry-after") });
    },
    async close() {
      if (closed) return;
      closed = true;
      await client.close();
    },
  };
}

function wrap(err: unknown, sql: string): StoreError {
  if (err instanceof StoreError) return err;
  return new StoreError("STORE_QUERY_FAILED", `ClickHouse: ${errorMessage(err)} — in: ${sqlExcerpt(sql)}`, { cause: err });
}

/**
 * Where span inserts are POSTed, worked out once: the server URL without credentials (they go in
 * headers) and with the database. Span inserts post to the HTTP interface themselves, so a failed
 * insert keeps the server's status (400 for data it cannot parse, 5xx when it fails) and headers
 * (Retry-After from a proxy); @clickhouse/client turns an error answer into a message without them.
 * A custom transport (tests over chdb/connection) has no URL: its inserts go through the client.
 */
function insertTarget(opts: ServerClientOptions): { base: string; headers: Record<string, string> } | undefined {
  if (!opts.url || opts.connect) return undefined;
  const url = new URL(opts.url);
  const headers: Record<string, string> = { "content-type": "application/x-ndjson" };
  const user = opts.username ?? (url.username ? decodeURIComponent(url.username) : undefined);
  const key = opts.password ?? (url.password ? decodeURIComponent(url.password) : undefined);
  if (user) headers["x-clickhouse-user"] = user;
  if (key) headers["x-clickhouse-key"] = key;
  url.username = "";
  url.password = "";
  url.searchParams.set("database", opts.database);
  return { base: url.href, headers };
}

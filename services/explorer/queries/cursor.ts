// Opaque keyset cursors: base64url of JSON [sort time, id] of the last row of a page. Lists are ordered
// by (time DESC, id DESC), so the next page is every row strictly below that pair: no gaps, no
// duplicates, however many rows arrive meanwhile. The time is kept in ClickHouse text form so it binds
// straight back as a DateTime64(6, 'UTC') parameter.
import { badQuery } from "./params.ts";

const CLICKHOUSE_TIME = /^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}\.\d{6}$/;

export interface CursorPosition {
  time: string;
  id: string;
}

export function encodeCursor(position: CursorPosition): string {
  return Buffer.from(JSON.stringify([position.time, position.id]), "utf8").toString("base64url");
}

export function decodeCursor(cursor: unknown): CursorPosition | undefined {
  if (cursor === undefined || cursor === null || cursor === "") return undefined;
  if (typeof cursor !== "string" || cursor.length > 2000) throw badQuery("cursor is not valid");
  let value: unknown;
  try {
    value = JSON.parse(Buffer.from(cursor, "base64url").toString("utf8"));
  } catch {
    throw badQuery("cursor is not valid: pass back the next_cursor of a previous page");
  }
  if (!Array.isArray(value) || value.length !== 2 || typeof value[0] !== "string" || typeof value[1] !== "string" || !CLICKHOUSE_TIME.test(value[0])) {
    throw badQuery("cursor is not valid: pass back the next_cursor of a previous page");
  }
  return { time: value[0], id: value[1] };
}

// Store errors, one catalog. Callers branch on `code`, never on the wording; the message always carries
// the ClickHouse message (and a short excerpt of the statement) so a failure says what went wrong.

export type StoreErrorCode =
  | "STORE_QUERY_FAILED" // ClickHouse refused or failed a statement
  | "STORE_INSERT_FAILED" // an INSERT failed
  | "STORE_MIGRATION_FAILED" // a migration statement failed, or an applied migration file was changed
  | "STORE_OPEN_FAILED" // the engine or server could not be reached / opened
  | "STORE_CLOSED"; // used after close()

export class StoreError extends Error {
  readonly code: StoreErrorCode;
  constructor(code: StoreErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = "StoreError";
    this.code = code;
  }
}

/** The first line-ish of a statement, for error messages. */
export function sqlExcerpt(sql: string, max = 160): string {
  const flat = sql.replace(/\s+/g, " ").trim();
  return flat.length > max ? `${flat.slice(0, max)}…` : flat;
}

export function errorMessage(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

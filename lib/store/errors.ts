// Store errors, one catalog. Callers branch on `code`, never on the wording; the message always carries
// the ClickHouse message (and a short excerpt of the statement) so a failure says what went wrong.

export type StoreErrorCode =
  | "STORE_QUERY_FAILED" // ClickHouse refused or failed a statement
  | "STORE_INSERT_FAILED" // an INSERT failed
  | "STORE_MIGRATION_FAILED" // a migration statement failed, or an applied migration file was changed
  | "STORE_OPEN_FAILED" // the engine or server could not be reached / opened
  | "STORE_CLOSED"; // used after close()

/** What a ClickHouse server answered to a failed insert (server mode only). */
export interface ServerAnswer {
  status: number;
  /** The server's message, e.g. `Code: 27. DB::Exception: Cannot parse input: … (CANNOT_PARSE_INPUT_ASSERTION_FAILED)`. */
  body: string;
  retryAfter: string | null;
}

export class StoreError extends Error {
  readonly code: StoreErrorCode;
  readonly response?: ServerAnswer;
  constructor(code: StoreErrorCode, message: string, options?: { cause?: unknown; response?: ServerAnswer }) {
    super(message, options);
    this.name = "StoreError";
    this.code = code;
    this.response = options?.response;
  }
}

/** The ClickHouse exception code in an engine or server message (`Code: 27. DB::Exception: …`), if any. */
export function clickHouseCode(message: string): number | undefined {
  const m = /\bCode: (\d+)\b/.exec(message);
  return m ? Number(m[1]) : undefined;
}

/** The first line-ish of a statement, for error messages. */
export function sqlExcerpt(sql: string, max = 160): string {
  const flat = sql.replace(/\s+/g, " ").trim();
  return flat.length > max ? `${flat.slice(0, max)}…` : flat;
}

export function errorMessage(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

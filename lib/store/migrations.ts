// Versioned schema migrations: lib/store/sql/migrations/NNN-name.sql, applied in NNN order and recorded
// in `schema_migrations` (version, name, checksum).
//
// Invariants:
// - A migration is recorded only after all its statements succeeded; every statement is idempotent
//   (IF NOT EXISTS), so a migration interrupted half-way is simply run again at the next start, and two
//   processes migrating at once do no harm.
// - A second start applies nothing. A recorded migration whose file changed is refused (add a new
//   migration instead of editing an applied one).
// - Statements are separated by a `;` at the end of a line; `--` comment lines are dropped.
import { createHash } from "node:crypto";
import { readFile, readdir } from "node:fs/promises";
import { fileURLToPath } from "node:url";
import { StoreError, errorMessage } from "./errors.ts";
import type { MigrationReport, SqlClient } from "./types.ts";

export interface Migration {
  version: number;
  /** File name without `.sql`, e.g. "001-spans". */
  name: string;
  statements: string[];
  checksum: string;
}

export const MIGRATIONS_DIR = fileURLToPath(new URL("./sql/migrations/", import.meta.url));

const MIGRATION_FILE = /^(\d{3})-[a-z0-9-]+\.sql$/;

const CREATE_MIGRATIONS_TABLE = `
CREATE TABLE IF NOT EXISTS schema_migrations
(
    version     UInt32,
    name        String,
    checksum    String,
    applied_at  DateTime64(3, 'UTC') DEFAULT now64(3)
)
ENGINE = ReplacingMergeTree
ORDER BY version`;

export async function loadMigrations(dir = MIGRATIONS_DIR): Promise<Migration[]> {
  const files = (await readdir(dir)).filter((f) => f.endsWith(".sql")).sort();
  const migrations: Migration[] = [];
  for (const file of files) {
    const m = MIGRATION_FILE.exec(file);
    if (!m) throw new StoreError("STORE_MIGRATION_FAILED", `migration file name must look like 001-some-name.sql: ${file}`);
    const text = await readFile(`${dir}/${file}`, "utf8");
    const version = Number(m[1]);
    if (migrations.some((x) => x.version === version)) {
      throw new StoreError("STORE_MIGRATION_FAILED", `two migrations share version ${m[1]}: ${file}`);
    }
    migrations.push({
      version,
      name: file.slice(0, -4),
      statements: splitStatements(text),
      checksum: createHash("sha256").update(text).digest("hex").slice(0, 16),
    });
  }
  return migrations;
}

export function splitStatements(text: string): string[] {
  const body = text
    .split("\n")
    .filter((line) => !line.trimStart().startsWith("--"))
    .join("\n");
  return body
    .split(/;[ \t]*(?:\n|$)/)
    .map((s) => s.trim())
    .filter((s) => s !== "");
}

export async function migrate(sql: SqlClient, migrations?: Migration[]): Promise<MigrationReport> {
  const all = migrations ?? (await loadMigrations());
  await sql.command(CREATE_MIGRATIONS_TABLE);
  const recorded = await sql.query<{ version: number | string; checksum: string }>(
    "SELECT version, checksum FROM schema_migrations FINAL",
  );
  const applied = new Map(recorded.map((r) => [Number(r.version), r.checksum]));
  const report: MigrationReport = { applied: [] };
  for (const migration of all) {
    const checksum = applied.get(migration.version);
    if (checksum !== undefined) {
      if (checksum !== migration.checksum) {
        throw new StoreError(
          "STORE_MIGRATION_FAILED",
          `migration ${migration.name} was changed after it was applied (checksum ${checksum} → ${migration.checksum}); add a new migration instead`,
        );
      }
      continue;
    }
    for (const statement of migration.statements) {
      try {
        await sql.command(statement);
      } catch (err) {
        throw new StoreError("STORE_MIGRATION_FAILED", `migration ${migration.name} failed: ${errorMessage(err)}`, { cause: err });
      }
    }
    await sql.insert("schema_migrations", [{ version: migration.version, name: migration.name, checksum: migration.checksum }]);
    report.applied.push(migration.name);
  }
  return report;
}

import { expect, test } from "vitest";
import { loadMigrations, splitStatements } from "./migrations.ts";

test("splits statements on a semicolon at the end of a line and drops comment lines", () => {
  const text = "-- a comment; with a semicolon;\nCREATE TABLE a (x String DEFAULT ';') ENGINE = Memory;\n\nCREATE VIEW v AS\nSELECT 1;  \n";
  expect(splitStatements(text)).toEqual(["CREATE TABLE a (x String DEFAULT ';') ENGINE = Memory", "CREATE VIEW v AS\nSELECT 1"]);
});

test("the shipped migrations are numbered without gaps, in order, each idempotent", async () => {
  const migrations = await loadMigrations();
  expect(migrations.map((m) => m.version)).toEqual(migrations.map((_, i) => i + 1));
  for (const m of migrations) {
    for (const statement of m.statements) expect(statement).toMatch(/^CREATE (TABLE|MATERIALIZED VIEW) IF NOT EXISTS /);
  }
});

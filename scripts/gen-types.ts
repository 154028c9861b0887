// Generates schemas/generated/*.ts from the JSON Schemas in schemas/ (the single source of truth).
// `--check` fails when a generated file is stale, so CI catches a schema edited without regenerating.
import { readFile, writeFile } from "node:fs/promises";
import { compile } from "json-schema-to-typescript";

const targets = [{ schema: "schemas/span.v1.schema.json", out: "schemas/generated/span.v1.ts", name: "CanonicalSpan" }];
const check = process.argv.includes("--check");
let stale = 0;
for (const t of targets) {
  const schema = JSON.parse(await readFile(t.schema, "utf8"));
  const ts = await compile(schema, t.name, {
    bannerComment: `/* generated from ${t.schema} by scripts/gen-types.ts — do not edit */`,
    additionalProperties: false,
    unknownAny: true,
    format: false,
  });
  if (check) {
    const current = await readFile(t.out, "utf8").catch(() => "");
    if (current !== ts) {
      console.error(`${t.out} is stale: run npm run gen:types`);
      stale++;
    }
  } else {
    await writeFile(t.out, ts);
    console.log(`wrote ${t.out}`);
  }
}
process.exit(stale ? 1 : 0);

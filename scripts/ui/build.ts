// Builds the web UI (`ui/` → `ui/dist/`) with Vite when any source is newer than the last build;
// otherwise does nothing. Run by `npm start` / `npm test` before tracerelay serves `/`.
//   node scripts/ui/build.ts [--force]
import { spawnSync } from "node:child_process";
import { existsSync, readdirSync, statSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "../..");
const UI = join(ROOT, "ui");
const STAMP = join(UI, "dist", "index.html");

/** Newest modification time under `path` (files only), skipping dist. */
function newest(path: string): number {
  const st = statSync(path);
  if (!st.isDirectory()) return st.mtimeMs;
  let max = 0;
  for (const name of readdirSync(path)) {
    if (name === "dist" || name === "node_modules") continue;
    max = Math.max(max, newest(join(path, name)));
  }
  return max;
}

export function uiBuildNeeded(): boolean {
  if (!existsSync(STAMP)) return true;
  const built = statSync(STAMP).mtimeMs;
  // The UI also imports types from the server's query shapes; a change there only matters to tsc, not the bundle.
  return newest(UI) > built || statSync(join(ROOT, "package-lock.json")).mtimeMs > built;
}

export function buildUi(force = false): void {
  if (!force && !uiBuildNeeded()) {
    console.log("ui: up to date (ui/dist)");
    return;
  }
  const vite = join(ROOT, "node_modules", "vite", "bin", "vite.js");
  const r = spawnSync(process.execPath, [vite, "build", UI, "--logLevel", "warn"], { cwd: ROOT, stdio: "inherit" });
  if (r.status !== 0) throw new Error(`ui: vite build failed (exit ${r.status ?? r.signal})`);
  console.log("ui: built ui/dist");
}

if (import.meta.url === `file://${process.argv[1]}`) {
  try {
    buildUi(process.argv.includes("--force"));
  } catch (err) {
    console.error((err as Error).message);
    process.exit(1);
  }
}

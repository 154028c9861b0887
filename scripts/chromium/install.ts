// Installs Debian's Chromium for the browser tests (test/ui.test.ts, bench/ui-trace-view.ts), once:
// skips when /usr/bin/chromium exists; otherwise runs apt-get (needs root).
//   node scripts/chromium/install.ts
import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";

export const CHROMIUM = "/usr/bin/chromium";

export function installChromium(): void {
  if (existsSync(CHROMIUM)) {
    console.log(`chromium: present (${CHROMIUM})`);
    return;
  }
  if (typeof process.getuid === "function" && process.getuid() !== 0) {
    throw new Error(`chromium: ${CHROMIUM} is missing and installing it needs root: run as root, or \`sudo apt-get install -y --no-install-recommends chromium\``);
  }
  const env = { ...process.env, DEBIAN_FRONTEND: "noninteractive" };
  for (const args of [["update"], ["install", "-y", "--no-install-recommends", "chromium"]]) {
    const r = spawnSync("apt-get", args, { stdio: "inherit", env });
    if (r.error) throw new Error(`chromium: cannot run apt-get (${r.error.message})`);
    if (r.status !== 0) throw new Error(`chromium: apt-get ${args.join(" ")} failed (exit ${r.status})`);
  }
  if (!existsSync(CHROMIUM)) throw new Error(`chromium: installed, but ${CHROMIUM} is still missing`);
  console.log(`chromium: installed (${CHROMIUM})`);
}

if (import.meta.url === `file://${process.argv[1]}`) {
  try {
    installChromium();
  } catch (err) {
    console.error((err as Error).message);
    process.exit(1);
  }
}

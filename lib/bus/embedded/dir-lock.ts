// One process per embedded log directory: two processes appending to the same segments would
// interleave records and corrupt offsets. `<dir>/LOCK` holds the owner's pid and host, created with
// O_EXCL; a lock whose process is gone (kill -9, a crash) is stale and taken over, so a restart after a
// crash never needs a manual clean-up. Released on close.
import { hostname } from "node:os";
import path from "node:path";
import { readFile, rm, writeFile } from "node:fs/promises";

export interface DirLock {
  release(): Promise<void>;
}

interface Owner {
  pid: number;
  host: string;
  since: string;
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === "EPERM"; // exists, owned by someone else
  }
}

export async function lockDir(dir: string): Promise<DirLock> {
  const file = path.join(dir, "LOCK");
  const me: Owner = { pid: process.pid, host: hostname(), since: new Date().toISOString() };
  for (let attempt = 0; attempt < 3; attempt++) {
    try {
      await writeFile(file, `${JSON.stringify(me)}\n`, { flag: "wx" });
      return { release: () => rm(file, { force: true }) };
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== "EEXIST") throw err;
    }
    let owner: Owner | undefined;
    try {
      owner = JSON.parse(await readFile(file, "utf8")) as Owner;
    } catch {
      owner = undefined; // unreadable: a crash mid-write; stale
    }
    if (owner && owner.host === me.host && owner.pid !== me.pid && alive(owner.pid)) {
      throw new Error(
        `the embedded bus at ${dir} is in use by process ${owner.pid} (since ${owner.since}); it is single-process: stop that process or use another --data-dir (or bus.kind: kafka to run several processes)`,
      );
    }
    if (owner && owner.host !== me.host) {
      throw new Error(`the embedded bus at ${dir} is locked by host ${owner.host} (pid ${owner.pid}); if that host is gone, delete ${file}`);
    }
    await rm(file, { force: true }); // stale: its process is gone
  }
  throw new Error(`could not lock the embedded bus at ${dir}`);
}

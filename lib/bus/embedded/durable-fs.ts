// The file-system steps the log needs beyond plain writes: fsync of a directory, so a created,
// renamed or deleted entry survives a crash; creating directories durably; and atomic replacement of
// a small file (write a temp file, fsync it, rename it over the target, fsync the directory): a
// reader sees the old or the new content, never a mix. Callers must not replace the same file
// concurrently (the temp name is fixed).
import { mkdir, open, rename } from "node:fs/promises";
import path from "node:path";

export async function fsyncDir(dir: string): Promise<void> {
  const handle = await open(dir, "r");
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}

/** mkdir -p, then fsyncs the parent of every directory it created so the new entries survive a crash. */
export async function mkdirDurably(dir: string): Promise<void> {
  const firstCreated = await mkdir(dir, { recursive: true });
  if (firstCreated === undefined) return;
  for (let created = dir; ; created = path.dirname(created)) {
    await fsyncDir(path.dirname(created));
    if (created === firstCreated) return;
  }
}

export async function replaceFileAtomically(file: string, content: string): Promise<void> {
  const temp = `${file}.tmp`;
  const handle = await open(temp, "w");
  try {
    await handle.writeFile(content);
    await handle.sync();
  } finally {
    await handle.close();
  }
  await rename(temp, file);
  await fsyncDir(path.dirname(file));
}

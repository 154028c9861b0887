// A process's memory from /proc/<pid>/status, in MB: resident (now and peak), and the resident split
// into anonymous memory and file-backed pages (a mapped library such as libchdb.so counts as the latter).
import { readFile } from "node:fs/promises";

export interface Memory {
  rss: number;
  peak: number;
  anon: number;
  file: number;
}

export async function memoryOf(pid: number | "self"): Promise<Memory> {
  const status = await readFile(`/proc/${pid}/status`, "utf8");
  const mb = (field: string) => Number(new RegExp(`${field}:\\s+(\\d+)`).exec(status)?.[1] ?? 0) / 1024;
  return { rss: mb("VmRSS"), peak: mb("VmHWM"), anon: mb("RssAnon"), file: mb("RssFile") };
}

/** `RSS 318 MB (anonymous 96, file-backed 222)` */
export const formatMemory = (m: Memory): string => `RSS ${m.rss.toFixed(0)} MB (anonymous ${m.anon.toFixed(0)}, file-backed ${m.file.toFixed(0)})`;

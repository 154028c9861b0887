// A topic on disk: `topics/<name>/topic.json` ({"partitions": N}) and one directory per partition.
// The partition count is fixed at creation (it decides which partition a key goes to) and read back
// on every open. topic.json is written last and atomically, so a topic directory without it is a
// creation that crashed half-way and is completed the next time the topic is created.
import { readdir, readFile } from "node:fs/promises";
import path from "node:path";
import { mkdirDurably, replaceFileAtomically } from "./durable-fs.ts";
import type { BusLogger } from "./logger.ts";
import { PartitionLog } from "./partition-log.ts";

const META = "topic.json";
const VALID_NAME = /^[A-Za-z0-9._-]{1,249}$/;

export interface Topic {
  name: string;
  partitions: PartitionLog[];
}

export interface TopicSettings {
  segmentBytes: number;
  recentBytes: number;
  logger: BusLogger;
}

/** Names of the topics fully created under `topicsDir`. */
export async function listTopics(topicsDir: string): Promise<string[]> {
  const names: string[] = [];
  for (const entry of await readdir(topicsDir, { withFileTypes: true })) {
    if (entry.isDirectory() && (await readPartitionCount(path.join(topicsDir, entry.name))) !== undefined) names.push(entry.name);
  }
  return names;
}

/** Opens the topic, creating it with `partitions` partitions if it does not exist yet. */
export async function openTopic(topicsDir: string, name: string, partitions: number, settings: TopicSettings): Promise<Topic> {
  if (!VALID_NAME.test(name) || name === "." || name === "..") throw new Error(`invalid topic name ${JSON.stringify(name)}: use 1-249 of [A-Za-z0-9._-]`);
  if (!Number.isInteger(partitions) || partitions < 1) throw new RangeError(`topic ${name}: partitions must be a positive integer, got ${partitions}`);
  const dir = path.join(topicsDir, name);
  const existing = await readPartitionCount(dir);
  const count = existing ?? partitions;
  await mkdirDurably(dir);
  const logs: PartitionLog[] = [];
  for (let p = 0; p < count; p++) logs.push(await PartitionLog.open(path.join(dir, String(p)), name, p, settings.segmentBytes, settings.logger, settings.recentBytes));
  if (existing === undefined) await replaceFileAtomically(path.join(dir, META), JSON.stringify({ partitions: count }));
  return { name, partitions: logs };
}

async function readPartitionCount(dir: string): Promise<number | undefined> {
  try {
    return (JSON.parse(await readFile(path.join(dir, META), "utf8")) as { partitions: number }).partitions;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return undefined;
    throw error;
  }
}

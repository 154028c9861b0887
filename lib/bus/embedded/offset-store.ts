// Committed offsets of every consumer group: group → topic → partition → next offset to consume.
// All of it lives in one small JSON file, replaced atomically (durable-fs.ts), so after a crash it
// holds some complete earlier state, never a torn one. Commits arriving while a write is in flight
// are coalesced into the next write: one fsync'd replacement per round, however many partitions
// commit at once. persist() resolves once the state as of the call is durable.
import { readFile } from "node:fs/promises";
import path from "node:path";
import { replaceFileAtomically } from "./durable-fs.ts";

const FILE = "offsets.json";

type GroupOffsets = Record<string, Record<string, Record<string, number>>>;

interface Waiter {
  resolve: () => void;
  reject: (error: unknown) => void;
}

export class OffsetStore {
  readonly #file: string;
  readonly #groups: GroupOffsets;
  #waiters: Waiter[] = [];
  #writing: Promise<void> | undefined;

  private constructor(file: string, groups: GroupOffsets) {
    this.#file = file;
    this.#groups = groups;
  }

  static async open(dir: string): Promise<OffsetStore> {
    const file = path.join(dir, FILE);
    let text: string;
    try {
      text = await readFile(file, "utf8");
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === "ENOENT") return new OffsetStore(file, {});
      throw error;
    }
    const parsed = JSON.parse(text) as { version: number; groups: GroupOffsets };
    if (parsed.version !== 1) throw new Error(`${file}: unknown version ${parsed.version}`);
    return new OffsetStore(file, parsed.groups);
  }

  committed(group: string, topic: string, partition: number): number | undefined {
    return this.#groups[group]?.[topic]?.[partition];
  }

  /** Groups that committed (or were seeked) on any partition of the topic. */
  groupsOf(topic: string): string[] {
    return Object.keys(this.#groups).filter((group) => this.#groups[group][topic] !== undefined);
  }

  /** Changes the in-memory state; persist() makes it durable. */
  set(group: string, topic: string, partition: number, offset: number): void {
    this.#groups[group] ??= {};
    this.#groups[group][topic] ??= {};
    this.#groups[group][topic][partition] = offset;
  }

  async commit(group: string, topic: string, partition: number, offset: number): Promise<void> {
    this.set(group, topic, partition, offset);
    await this.persist();
  }

  persist(): Promise<void> {
    return new Promise((resolve, reject) => {
      this.#waiters.push({ resolve, reject });
      this.#startWrite();
    });
  }

  #startWrite(): void {
    if (this.#writing || this.#waiters.length === 0) return;
    const waiters = this.#waiters;
    this.#waiters = [];
    this.#writing = replaceFileAtomically(this.#file, JSON.stringify({ version: 1, groups: this.#groups }))
      .then(
        () => {
          for (const waiter of waiters) waiter.resolve();
        },
        (error: unknown) => {
          for (const waiter of waiters) waiter.reject(error);
        },
      )
      .then(() => {
        this.#writing = undefined;
        this.#startWrite();
      });
  }
}

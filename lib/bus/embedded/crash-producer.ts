// Child process of the crash test (embedded.test.ts): produces to the embedded bus in argv[2] from 8
// concurrent producers, as fast as it can, and after every acknowledged produce() prints that call's
// keys as one comma-separated line on stdout (synchronous on a pipe), until it is killed.
import { createEmbeddedBus } from "./bus.ts";

export const CRASH_TOPIC = "crash";
export const CRASH_BUS_OPTIONS = { partitions: 3, segmentBytes: 256 * 1024 };

if (import.meta.main) {
  const bus = await createEmbeddedBus({ dir: process.argv[2], ...CRASH_BUS_OPTIONS });
  const value = Buffer.alloc(1000, "x");
  await Promise.all(
    Array.from({ length: 8 }, async (_, worker) => {
      for (let call = 0; ; call++) {
        const keys = Array.from({ length: 10 }, (_, i) => `w${worker}-${call}-${i}`);
        await bus.produce(CRASH_TOPIC, keys.map((key) => ({ key, value })));
        process.stdout.write(`${keys.join(",")}\n`);
      }
    }),
  );
}

// The deliver role: one consumer group per destination on its own `deliver.<name>` topic, so a slow
// or broken destination never holds up another. Offsets are committed only after the destination
// has the batch durably or the dead-letter topic has what it gave up on (at-least-once). Every
// destination goes through the shared delivery helper (target.ts), the built-in store included.
import type { DeliveryStats } from "../../destinations/_delivery/index.ts";
import { type Bus, type BusRecord, type Consumer, TOPICS } from "../../lib/bus/types.ts";
import type { Logger } from "../../lib/telemetry/logger.ts";

export interface DeliveryTarget {
  name: string;
  type: string;
  deliver(batch: BusRecord[]): Promise<void>;
  /** What the status heartbeat reports (status.ts). */
  stats(): Partial<DeliveryStats>;
  /** Calls back on every breaker transition (targets without a breaker leave it out). */
  onBreakerChange?(listener: () => void): void;
  /** Flushes and waits up to graceMs; what has not settled stays on the bus. */
  close?(graceMs: number): Promise<void>;
}

export async function startDelivery(bus: Bus, targets: DeliveryTarget[], logger: Logger): Promise<Consumer[]> {
  await bus.ensureTopics(targets.map((t) => ({ name: TOPICS.deliver(t.name) })));
  return Promise.all(
    targets.map((target) =>
      bus.consume({
        group: `deliver.${target.name}`,
        topics: [TOPICS.deliver(target.name)],
        // chDB's memory per insert grows with the batch: ~1,000 spans (~4 MB) halves the engine's peak
        // RSS against 5,000 for ~15% less insert throughput (bench/README.md).
        maxBatch: 1000,
        handler: async (batch) => {
          try {
            await target.deliver(batch);
          } catch (err) {
            logger.warn({ err, destination: target.name, records: batch.length }, "delivery failed; will retry the batch");
            throw err;
          }
        },
      }),
    ),
  );
}

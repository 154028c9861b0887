// The deliver role: one consumer group per destination (`deliver.<name>`), committing only after the
// destination has the batch or the dead-letter topic has what it gave up on (services/deliver/).
// `destinations` limits a process to some of the configured destinations (`tracerelay deliver
// --destination store`); default: all. Every destination, the store included, goes through the shared
// delivery helper. Vendor destinations (webhook, langfuse, …) can run in any number of processes. The
// built-in `store` writes to the store: with a ClickHouse server (`store.url`)
// any number of deliver processes can run it; with embedded chDB only ONE process may open the data
// dir, so exactly one process runs `deliver --destination store` (and serves the explorer: `--with explorer`).
import { TOPICS } from "../../lib/bus/types.ts";
import { BusDeadLetterSink } from "../../lib/dlq/bus-sink.ts";
import { createSpanWriter } from "../../lib/store/span-writer.ts";
import type { AdapterEnv } from "../../destinations/module.ts";
import { type DeliveryTarget, startDelivery } from "../deliver/index.ts";
import { startHeartbeats } from "../deliver/status.ts";
import { destinationTarget } from "../deliver/target.ts";
import type { RoleContext, StartedRole } from "./context.ts";

export interface DeliverRoleOptions {
  /** Destination names this process delivers to; default every configured destination. */
  destinations?: string[];
}

/** How long a stopping deliver role lets pending batches finish; the rest stays on the bus. */
const CLOSE_GRACE_MS = 5_000;

export async function startDeliverRole(ctx: RoleContext, options: DeliverRoleOptions = {}): Promise<StartedRole> {
  const { config, logger } = ctx;
  const configured = Object.keys(config.destinations);
  const names = options.destinations?.length ? [...new Set(options.destinations)] : configured;
  const unknown = names.filter((n) => !configured.includes(n));
  if (unknown.length) throw new Error(`deliver: unknown destination ${unknown.map((n) => `"${n}"`).join(", ")}; configured: ${configured.join(", ") || "(none)"}`);

  const bus = await ctx.bus();
  await bus.ensureTopics([{ name: TOPICS.dlq }, { name: TOPICS.status }]);
  const deadLetters = new BusDeadLetterSink(bus);
  const targets: DeliveryTarget[] = [];
  for (const name of names) {
    const block = config.destinations[name];
    const child = logger.child({ component: "deliver", destination: name });
    const env: AdapterEnv = {};
    if (block.type === "store") {
      env.spanWriter = createSpanWriter(await ctx.store(), { priceOverrides: config.pricing.models });
      env.onStoreWritten = (spans, seconds) => {
        ctx.metrics.storeSpansWritten.inc(spans);
        ctx.metrics.storeInsertSeconds.observe(seconds);
      };
    }
    targets.push(destinationTarget(name, block, { registry: ctx.metrics.registry, deadLetters, logger: child, env }));
  }
  const consumers = await startDelivery(bus, targets, logger.child({ component: "deliver" }));
  const heartbeats = startHeartbeats(bus, targets, config.status.heartbeat_ms, logger.child({ component: "status" }));
  // A breaker change is reported at once, not at the next heartbeat.
  for (const t of targets) t.onBreakerChange?.(() => void heartbeats.beat());
  return {
    name: "deliver",
    lagGroups: names.map((n) => ({ group: `deliver.${n}`, topic: TOPICS.deliver(n) })),
    stop: async () => {
      // Close the deliveries while the consumers stop: a batch waiting on an open breaker is given up
      // (its offset is not committed, the spans stay on the bus) instead of holding the shutdown.
      await Promise.all([...consumers.map((c) => c.stop()), ...targets.map((t) => t.close?.(CLOSE_GRACE_MS))]);
      await heartbeats.stop();
    },
  };
}

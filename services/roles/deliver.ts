// The deliver role: one consumer group per destination (`deliver.<name>`), committing only after the
// destination has the batch durably (services/deliver/index.ts). `destinations` limits a process to
// some of the configured destinations (`tracerelay deliver --destination store`); default: all.
// The built-in `store` destination writes to the store: with a ClickHouse server (`store.url`) any
// number of deliver processes can run; with embedded chDB only ONE process may open the data dir, so
// exactly one process runs `deliver --destination store` (and serves the explorer: `--with explorer`).
import { TOPICS } from "../../lib/bus/types.ts";
import { createSpanWriter } from "../../lib/store/span-writer.ts";
import { storeDestination } from "../../destinations/store/index.ts";
import { type DeliveryTarget, startDelivery } from "../deliver/index.ts";
import type { RoleContext, StartedRole } from "./context.ts";

export interface DeliverRoleOptions {
  /** Destination names this process delivers to; default every configured destination. */
  destinations?: string[];
}

export async function startDeliverRole(ctx: RoleContext, options: DeliverRoleOptions = {}): Promise<StartedRole> {
  const { config, logger } = ctx;
  const configured = Object.keys(config.destinations);
  const names = options.destinations?.length ? [...new Set(options.destinations)] : configured;
  const unknown = names.filter((n) => !configured.includes(n));
  if (unknown.length) throw new Error(`deliver: unknown destination ${unknown.map((n) => `"${n}"`).join(", ")}; configured: ${configured.join(", ") || "(none)"}`);

  const targets: DeliveryTarget[] = [];
  for (const name of names) {
    const type = config.destinations[name].type;
    if (type !== "store") throw new Error(`destination "${name}" (type ${type}) is not supported by this version yet; only type "store" is available`);
    const writer = createSpanWriter(await ctx.store(), { priceOverrides: config.pricing.models });
    targets.push(storeDestination(name, writer, ctx.metrics, logger.child({ component: "store", destination: name })));
  }
  const bus = await ctx.bus();
  const consumers = await startDelivery(bus, targets, logger.child({ component: "deliver" }));
  return {
    name: "deliver",
    lagGroups: names.map((n) => ({ group: `deliver.${n}`, topic: TOPICS.deliver(n) })),
    stop: async () => {
      await Promise.all(consumers.map((c) => c.stop()));
    },
  };
}

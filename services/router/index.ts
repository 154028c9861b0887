// The router role: consumes `spans` and hands each envelope to the `deliver.<destination>` topic of
// every destination it should reach. Rules (sample → redact → route → transform) plug in here in
// their own issue; until then every configured destination receives every span. Records are
// forwarded as they are (no re-serialisation) and the batch is committed only after the forward is
// durable, so a crash re-routes rather than loses.
import { type Bus, type Consumer, TOPICS } from "../../lib/bus/types.ts";
import type { Logger } from "../../lib/telemetry/logger.ts";

export interface RouterOptions {
  bus: Bus;
  destinations: string[];
  logger: Logger;
  group?: string;
}

export async function startRouter(opts: RouterOptions): Promise<Consumer> {
  const { bus, destinations, logger } = opts;
  await bus.ensureTopics([{ name: TOPICS.spans }, ...destinations.map((d) => ({ name: TOPICS.deliver(d) }))]);
  logger.info({ destinations }, "router started");
  return bus.consume({
    group: opts.group ?? "router",
    topics: [TOPICS.spans],
    maxBatch: 1000,
    handler: async (batch) => {
      const messages = batch.map((r) => ({ key: r.key, value: r.value, headers: r.headers }));
      await Promise.all(destinations.map((d) => bus.produce(TOPICS.deliver(d), messages)));
    },
  });
}

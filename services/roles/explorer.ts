// The explorer role: the read API (/api/v1/traces, sessions, usage, destinations, failed deliveries +
// replay) over the store, and the two logs that feed it from the bus: dead letters (topic `dlq` →
// `dead_letters`) and destination heartbeats (topic `status` → `destination_heartbeats`). Any number
// can run against a ClickHouse server (`store.url`): the logs are consumer groups, each record is
// written once per group. With embedded chDB the store has one owner process (the one running
// `deliver --destination store`), so the explorer runs in that process (`--with explorer`).
import { startDeadLetterLog } from "../../lib/dlq/log.ts";
import { TOPICS } from "../../lib/bus/types.ts";
import { STATUS_LOG_GROUP, startStatusLog } from "../explorer/destinations.ts";
import { DLQ_LOG_GROUP } from "../../lib/dlq/log.ts";
import type { RoleContext, StartedRole } from "./context.ts";

export async function startExplorerRole(ctx: RoleContext): Promise<StartedRole> {
  const store = await ctx.store();
  const bus = await ctx.bus();
  const logger = ctx.logger.child({ component: "explorer" });
  const dlq = await startDeadLetterLog(bus, store.sql, ctx.config.dead_letters.retention, logger);
  const status = await startStatusLog(bus, store.sql, logger);
  return {
    name: "explorer",
    server: { sql: store.sql, replayBus: bus },
    lagGroups: [
      { group: DLQ_LOG_GROUP, topic: TOPICS.dlq },
      { group: STATUS_LOG_GROUP, topic: TOPICS.status },
    ],
    stop: async () => {
      await Promise.all([dlq.stop(), status.stop()]);
    },
  };
}

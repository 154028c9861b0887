// The ingest role: the HTTP ingest paths (OTLP, Langfuse, webhooks) validate spans and put them on the
// `spans` topic. Stateless apart from the project keys, so any number can run behind a load balancer:
// every ingest process must know the same keys (the same TRACERELAY_INIT_* pair, or the same
// `projects.json` in its data dir). While the bus cannot take writes (Kafka unreachable) requests get
// 503 with Retry-After (TR_BUS_UNAVAILABLE, services/ingest/publish.ts) and nothing is acknowledged;
// the Kafka bus replaces its producer after a failure, so ingest recovers by itself.
import { TOPICS } from "../../lib/bus/types.ts";
import type { RoleContext, StartedRole } from "./context.ts";

export async function startIngestRole(ctx: RoleContext): Promise<StartedRole> {
  const bus = await ctx.bus();
  await bus.ensureTopics([{ name: TOPICS.spans }]);
  return { name: "ingest", server: { bus }, stop: async () => {} };
}

// The route role: consumes `spans` (consumer group "router"), applies the rules and forwards to every
// destination's `deliver.<name>` topic (services/router/index.ts). Any number can run: Kafka spreads
// the partitions (keyed by trace id, so a trace stays on one router) over the group's members. It also
// serves the rules API; PUT /api/v1/rules changes the rules of THIS process only — with several routers,
// change `rules:` in the shared configuration file instead (each router watches its file).
import { readFile } from "node:fs/promises";
import { TOPICS } from "../../lib/bus/types.ts";
import { compileRules } from "../../rules/compile.ts";
import { createRulesMetrics } from "../../rules/metrics.ts";
import { RulesHolder, watchRulesFile } from "../../rules/runtime.ts";
import { startRouter } from "../router/index.ts";
import type { RoleContext, StartedRole } from "./context.ts";

export interface RouteRoleOptions {
  /** The configuration file, watched for `rules:` changes (hot reload; a bad edit keeps the old rules). */
  configFile?: string;
}

export async function startRouteRole(ctx: RoleContext, options: RouteRoleOptions = {}): Promise<StartedRole> {
  const { config, logger } = ctx;
  const destinations = Object.keys(config.destinations);
  // Rules: validated (with file:line) by the config loader already; compiled here against the destinations.
  const rules = new RulesHolder(destinations, Object.keys(config.rules ?? {}).length ? compileRules(config.rules, { destinations }) : null);
  const rulesMetrics = createRulesMetrics(ctx.metrics.registry);
  const file = options.configFile;
  const stopWatching = file ? watchRulesFile(file, rules, () => readFile(file, "utf8"), logger.child({ component: "rules" }), rulesMetrics) : () => {};
  const bus = await ctx.bus();
  let consumer: Awaited<ReturnType<typeof startRouter>>;
  try {
    consumer = await startRouter({ bus, destinations, logger: logger.child({ component: "router" }), rules, metrics: rulesMetrics });
  } catch (err) {
    stopWatching();
    throw err;
  }
  return {
    name: "route",
    server: { rules },
    lagGroups: [{ group: "router", topic: TOPICS.spans }],
    stop: async () => {
      stopWatching();
      await consumer.stop();
    },
  };
}

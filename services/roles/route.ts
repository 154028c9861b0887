// The route role: consumes `spans` (consumer group "router"), applies the rules and forwards to every
// destination's `deliver.<name>` topic (services/router/index.ts). Any number can run: Kafka spreads
// the partitions (keyed by trace id, so a trace stays on one router) over the group's members. It also
// serves the rules API; PUT /api/v1/rules (or the UI's) changes the rules of THIS process, recorded in
// `<data_dir>/rules-history.jsonl` and re-applied at the next start while the configuration file's
// `rules:` are unchanged (reapplyHistory) — with several routers, change `rules:` in the shared
// configuration file instead (each router watches its file).
import { readFile } from "node:fs/promises";
import { TOPICS } from "../../lib/bus/types.ts";
import { compileRules, RulesError } from "../../rules/compile.ts";
import { decideReapply, RulesHistory, rulesHash } from "../../rules/history.ts";
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
  const rules = new RulesHolder(destinations, Object.keys(config.rules ?? {}).length ? compileRules(config.rules, { destinations }) : null, rulesHash(config.rules));
  rules.history = new RulesHistory(ctx.dataDir);
  await reapplyHistory(rules, logger);
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

/**
 * Changes made through the rules API survive a restart: the newest one in `<data_dir>/rules-history.jsonl`
 * is re-applied when the config file's `rules:` are the ones it was based on; when the file's rules
 * changed since, the file wins (and a warning says so).
 */
export async function reapplyHistory(rules: RulesHolder, logger: RoleContext["logger"]): Promise<void> {
  const history = rules.history;
  if (!history) return;
  const latest = await history.latest().catch((err: Error) => {
    logger.error({ file: history.file, err: err.message }, "cannot read the rules history; using the config file's rules");
    return undefined;
  });
  const decision = decideReapply(latest, rules.fileHash);
  if (decision.action === "none") return;
  const { entry } = decision;
  const about = { history_revision: entry.revision, who: entry.who, time: entry.time };
  if (decision.action === "file_wins") {
    logger.warn(about, "the config file's rules changed since the last change made through the rules API; using the file's rules");
    return;
  }
  try {
    const compiled = compileRules(entry.rules, { destinations: rules.destinations });
    rules.swapFromApi(compiled, { kind: "api", history_revision: entry.revision, who: entry.who, time: entry.time }, entry.yaml);
    logger.info(about, "re-applied the rules last set through the rules API (the config file's rules are unchanged since)");
  } catch (err) {
    const problems = err instanceof RulesError ? err.problems : [(err as Error).message];
    logger.warn({ ...about, problems }, "the rules last set through the API no longer compile (destinations changed?); using the config file's rules");
  }
}

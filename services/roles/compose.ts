// Runs a set of roles in one process and serves them on one HTTP port. `tracerelay start` is every
// role on the embedded defaults; `tracerelay ingest|route|deliver|explorer [--with ROLE,…]` runs some
// of them (scale-out on Kafka). Every process serves /health/live, /health/ready and /metrics on its
// port, plus the HTTP surface of its roles (ingest paths; explorer reads; the rules API with route).
//
// Start order: the consumers first, the HTTP port last (no request is accepted before the bus and the
// store are ready). Shutdown runs in reverse and drains: stop accepting, finish in-flight requests,
// let consumers finish and commit their batch, close the bus, then the store.
import type { FastifyInstance } from "fastify";
import { DESTINATION_MODULES } from "../../destinations/index.ts";
import type { Bus } from "../../lib/bus/types.ts";
import type { Config } from "../../lib/config/index.ts";
import type { Store } from "../../lib/store/types.ts";
import type { Logger } from "../../lib/telemetry/logger.ts";
import { createMetrics, type LagReading, type Metrics } from "../../lib/telemetry/metrics.ts";
import type { RulesHolder } from "../../rules/runtime.ts";
import { buildServer, type ServerOptions } from "../server.ts";
import { createRoleContext, ROLE_NAMES, type RoleName, type StartedRole } from "./context.ts";
import { startDeliverRole } from "./deliver.ts";
import { startExplorerRole } from "./explorer.ts";
import { startIngestRole } from "./ingest.ts";
import { startRouteRole } from "./route.ts";

export { ROLE_NAMES, type RoleName } from "./context.ts";

export interface Running {
  app: FastifyInstance;
  roles: RoleName[];
  /** The bus, when a role opened it (every role but a lone explorer does). */
  bus?: Bus;
  /** The store, when a role opened it (deliver to store, explorer). */
  store?: Store;
  metrics: Metrics;
  /** The live rules, when this process runs the router. */
  rules?: RulesHolder;
  /** The address the server listens on, e.g. http://127.0.0.1:4318 */
  url: string;
  /** A generated first key pair, only on the very first start without TRACERELAY_INIT_* keys. */
  generatedKeys?: { publicKey: string; secretKey: string };
  /** The UI admin generated on the very first start (no users, no TRACERELAY_INIT_ADMIN_*). */
  generatedAdmin?: { email: string; password: string };
  stop(): Promise<void>;
}

export interface RolesOptions {
  /** The roles this process runs (at least one). */
  roles: readonly RoleName[];
  /** The deliver role's destinations (default: all configured). */
  destinations?: string[];
  /** The configuration file, watched by the route role for `rules:` changes. */
  configFile?: string;
}

/** Refused combinations, as a message (undefined = fine). Exported for the CLI and tests. */
export function checkRoles(config: Config, roles: readonly RoleName[]): string | undefined {
  if (roles.length === 0) return "no role to run";
  const unknown = roles.filter((r) => !ROLE_NAMES.includes(r));
  if (unknown.length) return `unknown role ${unknown.map((r) => `"${r}"`).join(", ")}; roles are ${ROLE_NAMES.join(", ")}`;
  const all = ROLE_NAMES.every((r) => roles.includes(r));
  if (config.bus.kind === "embedded" && !all) {
    return `the embedded bus is a single-process log: role ${roles.join("+")} cannot run on its own with bus.kind embedded. Use "tracerelay start" (every role in one process), or set bus.kind: kafka with bus.brokers (or TRACERELAY_BUS_KIND=kafka and TRACERELAY_KAFKA_BROKERS) to run roles as separate processes`;
  }
  return undefined;
}

export async function startRoles(config: Config, logger: Logger, options: RolesOptions): Promise<Running> {
  const roles = ROLE_NAMES.filter((r) => options.roles.includes(r)); // canonical order, no duplicates
  const refused = checkRoles(config, options.roles);
  if (refused) throw new RoleError(refused);
  const unsupported = Object.entries(config.destinations).filter(([, d]) => !DESTINATION_MODULES[d.type]);
  if (unsupported.length) {
    throw new Error(`destinations not supported by this version yet: ${unsupported.map(([n, d]) => `${n} (type ${d.type})`).join(", ")}; available: ${Object.keys(DESTINATION_MODULES).join(", ")}`);
  }

  const metrics = createMetrics();
  const ctx = await createRoleContext(config, logger, metrics);
  const keys = await ctx.keys();
  const started: StartedRole[] = [];
  const stopRoles = async () => {
    // route before deliver: what a router forwards while stopping still reaches the deliver topic
    for (const name of ["ingest", "route", "deliver", "explorer"] as const) {
      for (const r of started.filter((s) => s.name === name)) await r.stop();
    }
  };
  const closeResources = async () => {
    const { bus, store } = ctx.opened();
    await bus?.close();
    await store?.close();
  };

  let app: FastifyInstance | undefined;
  let generatedAdmin: { email: string; password: string } | undefined;
  let ready = false;
  let url: string;
  try {
    // Consumers first (deliver, route), then the read side, then ingest; the port opens last.
    if (roles.includes("deliver")) started.push(await startDeliverRole(ctx, { destinations: options.destinations }));
    if (roles.includes("route")) started.push(await startRouteRole(ctx, { configFile: options.configFile }));
    if (roles.includes("explorer")) started.push(await startExplorerRole(ctx));
    if (roles.includes("ingest")) started.push(await startIngestRole(ctx));

    const server: Pick<ServerOptions, "bus" | "sql" | "rules" | "replayBus"> = Object.assign({}, ...started.map((r) => r.server ?? {}));
    const lagGroups = started.flatMap((r) => r.lagGroups ?? []);
    const bus = ctx.opened().bus;
    if (bus && lagGroups.length) metrics.setLagSource(() => readLag(bus, lagGroups));

    app = await buildServer({ config, logger, metrics, keys, ...server, onGeneratedAdmin: (admin) => (generatedAdmin = admin), isReady: () => ready });
    url = await app.listen({ host: config.server.host, port: config.server.port });
  } catch (err) {
    await app?.close().catch(() => {});
    await stopRoles().catch(() => {});
    await closeResources().catch(() => {});
    throw err;
  }
  ready = true;
  const { bus, store } = ctx.opened();
  const rules = started.find((r) => r.server?.rules)?.server?.rules;
  logger.info({ url, roles, dataDir: ctx.dataDir, bus: config.bus.kind, store: store?.sql.kind ?? "none" }, "tracerelay started");

  let stopping: Promise<void> | undefined;
  const stop = () => {
    stopping ??= (async () => {
      ready = false;
      await app.close(); // stops accepting, waits for in-flight requests (their spans reach the bus)
      await stopRoles();
      await closeResources();
      logger.info({ roles }, "tracerelay stopped");
    })();
    return stopping;
  };
  return { app, roles, bus, store, metrics, rules, url: url.replace("0.0.0.0", "127.0.0.1"), generatedKeys: ctx.generatedKeys, generatedAdmin, stop };
}

/** A role combination the configuration does not allow (exit 2 from the CLI). */
export class RoleError extends Error {
  readonly code = "TR_ROLE_INVALID";
  constructor(message: string) {
    super(message);
    this.name = "RoleError";
  }
}

async function readLag(bus: Bus, groups: Array<{ group: string; topic: string }>): Promise<LagReading[]> {
  const readings: LagReading[] = [];
  for (const { group, topic } of groups) {
    const parts = await bus.lag(group, [topic]).catch(() => []);
    readings.push({ group, topic, lag: parts.reduce((sum, p) => sum + p.lag, 0) });
  }
  return readings;
}

// Single-node mode (`tracerelay start`): every role in one process on the embedded defaults —
// embedded durable log as the bus, chDB as the store. Start order makes the HTTP port the last thing
// to open (no request is accepted before the bus and store are ready); shutdown runs in reverse and
// drains: stop accepting, finish in-flight requests, let consumers finish their batch, flush the bus.
import { mkdir, readFile } from "node:fs/promises";
import { join, resolve } from "node:path";
import type { FastifyInstance } from "fastify";
import { KeyStore } from "../lib/auth/keys.ts";
import { createBus } from "../lib/bus/index.ts";
import { type Bus, type Consumer, TOPICS } from "../lib/bus/types.ts";
import type { Config } from "../lib/config/index.ts";
import { openStore } from "../lib/store/index.ts";
import { createSpanWriter } from "../lib/store/span-writer.ts";
import type { Store } from "../lib/store/types.ts";
import type { Logger } from "../lib/telemetry/logger.ts";
import { createMetrics, type LagReading, type Metrics } from "../lib/telemetry/metrics.ts";
import { compileRules } from "../rules/compile.ts";
import { createRulesMetrics } from "../rules/metrics.ts";
import { RulesHolder, watchRulesFile } from "../rules/runtime.ts";
import { storeDestination } from "../destinations/store/index.ts";
import { startDelivery } from "./deliver/index.ts";
import { startRouter } from "./router/index.ts";
import { buildServer } from "./server.ts";

export interface Running {
  app: FastifyInstance;
  bus: Bus;
  store: Store;
  metrics: Metrics;
  /** The live rules (hot-swappable; PUT /api/v1/rules and the config file watch replace them). */
  rules: RulesHolder;
  /** The address the server listens on, e.g. http://127.0.0.1:4318 */
  url: string;
  /** A generated first key pair, only on the very first start without TRACERELAY_INIT_* keys. */
  generatedKeys?: { publicKey: string; secretKey: string };
  stop(): Promise<void>;
}

export interface StartOptions {
  /** The configuration file, watched for `rules:` changes (hot reload; a bad edit keeps the old rules). */
  configFile?: string;
}

export async function startSingleNode(config: Config, logger: Logger, options: StartOptions = {}): Promise<Running> {
  const dataDir = resolve(config.data_dir);
  await mkdir(dataDir, { recursive: true });
  assertSupportedDestinations(config);

  const metrics = createMetrics();
  const keys = new KeyStore(join(dataDir, "projects.json"));
  const { generated } = await keys.open();

  const bus = await createBus({ kind: "embedded", dir: join(dataDir, "bus"), partitions: config.bus.partitions, retentionMs: config.bus.retention_hours * 3600_000, retentionBytes: config.bus.retention_bytes, logger: logger.child({ component: "bus" }) });
  const store = await openStore({ dataDir, url: config.store.url ?? undefined, database: config.store.database });
  await store.migrate();
  const writer = createSpanWriter(store, { priceOverrides: config.pricing.models });

  let ready = false;
  const consumers: Consumer[] = [];
  const destinations = Object.keys(config.destinations);
  // Rules: validated (with file:line) by the config loader already; compiled here against the destinations.
  const rules = new RulesHolder(destinations, Object.keys(config.rules ?? {}).length ? compileRules(config.rules, { destinations }) : null);
  const rulesMetrics = createRulesMetrics(metrics.registry);
  const stopWatching = options.configFile
    ? watchRulesFile(options.configFile, rules, () => readFile(options.configFile as string, "utf8"), logger.child({ component: "rules" }), rulesMetrics)
    : () => {};
  consumers.push(await startRouter({ bus, destinations, logger: logger.child({ component: "router" }), rules, metrics: rulesMetrics }));
  consumers.push(...(await startDelivery(bus, [storeDestination("store", writer, metrics, logger.child({ component: "store" }))], logger.child({ component: "deliver" }))));

  metrics.setLagSource(() => readLag(bus, destinations));

  const app = await buildServer({ config, logger, metrics, keys, bus, sql: store.sql, rules, isReady: () => ready });
  const url = await app.listen({ host: config.server.host, port: config.server.port });
  ready = true;
  logger.info({ url, dataDir, bus: "embedded", store: store.sql.kind }, "tracerelay started");

  let stopping: Promise<void> | undefined;
  const stop = () => {
    stopping ??= (async () => {
      ready = false;
      stopWatching();
      await app.close(); // stops accepting, waits for in-flight requests (their spans reach the bus)
      await Promise.all(consumers.map((c) => c.stop()));
      await bus.close();
      await store.close();
      logger.info("tracerelay stopped");
    })();
    return stopping;
  };
  return { app, bus, store, metrics, rules, url: url.replace("0.0.0.0", "127.0.0.1"), generatedKeys: generated, stop };
}

function assertSupportedDestinations(config: Config): void {
  const unsupported = Object.entries(config.destinations).filter(([, d]) => d.type !== "store");
  if (unsupported.length) {
    throw new Error(`destinations not supported by this version yet: ${unsupported.map(([n, d]) => `${n} (type ${d.type})`).join(", ")}; only type "store" is available`);
  }
}

async function readLag(bus: Bus, destinations: string[]): Promise<LagReading[]> {
  const groups: Array<[string, string]> = [["router", TOPICS.spans], ...destinations.map((d): [string, string] => [`deliver.${d}`, TOPICS.deliver(d)])];
  const readings: LagReading[] = [];
  for (const [group, topic] of groups) {
    const parts = await bus.lag(group, [topic]).catch(() => []);
    readings.push({ group, topic, lag: parts.reduce((sum, p) => sum + p.lag, 0) });
  }
  return readings;
}

// What the roles of one process share: configuration, logger, metrics, and the bus, the store and the
// key store, each opened at most once per process and only when a role asks for it (an ingest-only
// process never opens the store; a deliver+explorer process opens chDB once for both).
import { readFileSync } from "node:fs";
import { mkdir } from "node:fs/promises";
import { join, resolve } from "node:path";
import type { ConnectionOptions } from "node:tls";
import type { SASLOptions } from "kafkajs";
import { KeyStore } from "../../lib/auth/keys.ts";
import { type BusConfig, createBus } from "../../lib/bus/index.ts";
import type { Bus } from "../../lib/bus/types.ts";
import type { Config } from "../../lib/config/index.ts";
import { openStore } from "../../lib/store/index.ts";
import type { Store } from "../../lib/store/types.ts";
import type { Logger } from "../../lib/telemetry/logger.ts";
import type { Metrics } from "../../lib/telemetry/metrics.ts";
import type { RulesHolder } from "../../rules/runtime.ts";

export const ROLE_NAMES = ["ingest", "route", "deliver", "explorer"] as const;
export type RoleName = (typeof ROLE_NAMES)[number];

export interface RoleContext {
  config: Config;
  logger: Logger;
  metrics: Metrics;
  dataDir: string;
  bus(): Promise<Bus>;
  store(): Promise<Store>;
  keys(): Promise<KeyStore>;
  /** A key pair generated on the very first start without TRACERELAY_INIT_* keys (set once keys() ran). */
  generatedKeys?: { publicKey: string; secretKey: string };
  /** Resources opened so far, for shutdown (bus before store). */
  opened(): { bus?: Bus; store?: Store };
}

/** What a started role contributes to its process: HTTP routes, lag groups to export, a stop. */
export interface StartedRole {
  name: RoleName;
  /** Parts of the HTTP server this role serves (health and metrics are always served). */
  server?: { bus?: Bus; sql?: Store["sql"]; rules?: RulesHolder; replayBus?: Bus };
  /** Consumer groups whose lag this process exports as `tracerelay_bus_lag_records`. */
  lagGroups?: Array<{ group: string; topic: string }>;
  /** Stops consuming (waits for the in-flight batch, commits it). */
  stop(): Promise<void>;
}

export async function createRoleContext(config: Config, logger: Logger, metrics: Metrics): Promise<RoleContext> {
  const dataDir = resolve(config.data_dir);
  await mkdir(dataDir, { recursive: true });
  let bus: Promise<Bus> | undefined;
  let store: Promise<Store> | undefined;
  let keys: Promise<KeyStore> | undefined;
  let openedBus: Bus | undefined;
  let openedStore: Store | undefined;
  const ctx: RoleContext = {
    config,
    logger,
    metrics,
    dataDir,
    bus() {
      bus ??= createBus(busConfigFrom(config, dataDir, logger.child({ component: "bus" }))).then((b) => {
        openedBus = b;
        return b;
      });
      return bus;
    },
    store() {
      store ??= (async () => {
        const s = await openStore({ dataDir, url: config.store.url ?? undefined, database: config.store.database });
        openedStore = s;
        await s.migrate();
        return s;
      })();
      return store;
    },
    keys() {
      keys ??= (async () => {
        const k = new KeyStore(join(dataDir, "projects.json"));
        const { generated } = await k.open();
        ctx.generatedKeys = generated;
        return k;
      })();
      return keys;
    },
    opened: () => ({ bus: openedBus, store: openedStore }),
  };
  return ctx;
}

/** The bus the configuration asks for: the embedded log under `<data_dir>/bus`, or Kafka. */
export function busConfigFrom(config: Config, dataDir: string, logger: Logger): BusConfig {
  const b = config.bus;
  if (b.kind === "embedded") {
    return { kind: "embedded", dir: join(dataDir, "bus"), partitions: b.partitions, retentionMs: b.retention_hours * 3600_000, retentionBytes: b.retention_bytes, logger };
  }
  if (!b.brokers?.length) throw new Error("bus.kind is kafka but bus.brokers is empty (set bus.brokers or TRACERELAY_KAFKA_BROKERS)");
  return {
    kind: "kafka",
    brokers: b.brokers,
    clientId: b.client_id,
    topicPrefix: b.topic_prefix,
    partitions: b.partitions,
    replicationFactor: b.replication_factor,
    createTopics: b.create_topics,
    ssl: sslOptions(b.ssl),
    sasl: b.sasl as SASLOptions | undefined,
    logger,
  };
}

function sslOptions(ssl: Config["bus"]["ssl"]): ConnectionOptions | boolean | undefined {
  if (ssl === undefined || typeof ssl === "boolean") return ssl;
  const read = (file: string | undefined) => (file ? readFileSync(file, "utf8") : undefined);
  return { ca: read(ssl.ca_file), cert: read(ssl.cert_file), key: read(ssl.key_file), rejectUnauthorized: ssl.reject_unauthorized, servername: ssl.servername };
}

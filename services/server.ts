// The HTTP server: one port for ingest, explorer API, health and metrics. `buildServer(opts)` only
// builds (tests use `app.inject` with no socket); the caller decides when to listen.
import Fastify, { type FastifyBaseLogger, type FastifyInstance, type FastifyRequest, LogController } from "fastify";
import { authenticate } from "../lib/auth/credentials.ts";
import type { KeyStore } from "../lib/auth/keys.ts";
import type { Bus } from "../lib/bus/types.ts";
import type { Config } from "../lib/config/index.ts";
import { installErrorHandler } from "../lib/http/error-handler.ts";
import type { SqlClient } from "../lib/store/types.ts";
import type { Logger } from "../lib/telemetry/logger.ts";
import type { Metrics } from "../lib/telemetry/metrics.ts";
import type { RulesHolder } from "../rules/runtime.ts";
import { deliveriesRoutes } from "./explorer/deliveries-routes.ts";
import { keyAuthorizer, rulesRoutes } from "./explorer/rules-routes.ts";
import { explorerRoutes } from "./explorer/routes.ts";
import { uiRoutes } from "./explorer/ui-routes.ts";
import { Admission } from "./ingest/admission.ts";
import { ingestRoutes } from "./ingest/routes.ts";

export interface ServerOptions {
  config: Config;
  logger: Logger;
  metrics: Metrics;
  keys: KeyStore;
  /** Present when this process runs the ingest role. */
  bus?: Bus;
  /** Present when this process runs the explorer role. */
  sql?: SqlClient;
  /** Present when this process runs the explorer: the bus replays go onto. */
  replayBus?: Bus;
  /** Present when this process runs the router: the rules API (GET/PUT /api/v1/rules, POST /api/v1/rules/test). */
  rules?: RulesHolder;
  /** Receives the UI admin generated on the very first start (to print once). */
  onGeneratedAdmin?: (admin: { email: string; password: string }) => void;
  /** Readiness: true once every component of this process is up, false again while shutting down. */
  isReady: () => boolean;
}

export async function buildServer(opts: ServerOptions): Promise<FastifyInstance> {
  const { config } = opts;
  const app = Fastify({
    loggerInstance: opts.logger as FastifyBaseLogger,
    logController: new LogController({ disableRequestLogging: true }),
    // Unknown query parameters are an error, not silently dropped.
    ajv: { customOptions: { removeAdditional: false, coerceTypes: true, allErrors: true } },
    bodyLimit: 1024 * 1024,
    // Close idle keep-alive sockets at shutdown so draining does not wait for clients.
    forceCloseConnections: "idle",
  });
  installErrorHandler(app);

  app.get("/health/live", async () => ({ status: "ok" }));
  app.get("/health/ready", async (_request, reply) => {
    const ready = opts.isReady();
    return reply.status(ready ? 200 : 503).send({ status: ready ? "ready" : "not_ready" });
  });
  app.get("/metrics", async (_request, reply) => {
    reply.header("content-type", opts.metrics.registry.contentType);
    return opts.metrics.registry.metrics();
  });

  const bus = opts.bus;
  if (bus) {
    const admission = new Admission({ maxInflight: config.server.max_inflight_requests, ratePerProjectPerSec: config.server.rate_limit_per_project });
    await app.register(async (scope) => ingestRoutes(scope, { bus, keys: opts.keys, config, metrics: opts.metrics, admission }));
  }
  const sql = opts.sql;
  const projectOfKey = (request: FastifyRequest) => authenticate(opts.keys, request.headers).projectId;
  const deliveries = { bus: opts.replayBus, destinations: config.destinations, rules: opts.rules };
  if (sql) {
    await app.register(async (scope) => explorerRoutes(scope, { sql, prefix: "/api/v1", projectOf: projectOfKey }));
    // A project key may replay its own project's dead letters.
    await app.register(async (scope) => deliveriesRoutes(scope, { ...deliveries, sql, prefix: "/api/v1", projectOf: projectOfKey, assertCanReplay: () => {} }));
    await app.register(uiRoutes, { sql, dataDir: config.data_dir, onGeneratedAdmin: opts.onGeneratedAdmin, deliveries, rules: opts.rules });
  }
  const rules = opts.rules;
  if (rules) await app.register(async (scope) => rulesRoutes(scope, { rules, prefix: "/api/v1", authorize: keyAuthorizer(opts.keys, config.server.admin_projects) }));
  return app;
}

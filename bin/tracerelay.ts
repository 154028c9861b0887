#!/usr/bin/env node
// The `tracerelay` command. `start` (the default) runs every role in one process on the embedded
// defaults. The scale-out roles (ingest, route, deliver, explorer) run as separate processes on Kafka;
// one process may run several (`--with`), see services/roles/compose.ts.
import { parseArgs } from "node:util";
import { ConfigError, loadConfig } from "../lib/config/index.ts";
import { createLogger } from "../lib/telemetry/logger.ts";
import { replayCommand } from "../lib/dlq/cli.ts";
import { rulesCommand } from "../rules/cli.ts";
import { checkRoles, ROLE_NAMES, type RoleName, startRoles } from "../services/roles/compose.ts";

const HELP = `tracerelay — one endpoint for LLM traces

Usage: tracerelay [start] [options]
       tracerelay ingest|route|deliver|explorer [--with ROLE,...] [--destination NAME] [options]

Commands:
  start              run every role in one process (embedded bus + embedded ClickHouse) [default]
  ingest             scale-out role: the ingest HTTP paths → bus topic "spans"
  route              scale-out role: rules, "spans" → "deliver.<destination>" (serves the rules API)
  deliver            scale-out role: "deliver.<destination>" → the destination (store, webhook, langfuse, …)
  explorer           scale-out role: the read API over the store, dead letters, destination status
                     The scale-out roles need bus.kind: kafka (the embedded bus is single-process).
                     Each serves /health/live, /health/ready and /metrics on its --port.
                     With embedded chDB (no store.url) only ONE process may open the store: run
                     "deliver --destination store --with explorer" once; with a ClickHouse server
                     (store.url) any number of deliver and explorer processes can run.
  rules check FILE   validate a rules file (all problems with file:line); for CI
  rules test --rules FILE --span SPAN.json   dry-run a span or trace through the rules
  replay --key SK [filters]   replay failed deliveries through a running tracerelay (see replay --help)

Options:
  -c, --config FILE  configuration file (YAML); also TRACERELAY_CONFIG
  -p, --port N       HTTP port (default 4318); also TRACERELAY_PORT
  -d, --data-dir DIR where the bus, store and keys live (default ./.tracerelay); also TRACERELAY_DATA_DIR
  --with ROLE[,ROLE] run these roles in the same process too (e.g. deliver --with explorer)
  --destination NAME deliver only to this destination (repeatable; default every configured one)
  -h, --help         this help
  -v, --version      print the version

Environment:
  TRACERELAY_INIT_PUBLIC_KEY / TRACERELAY_INIT_SECRET_KEY   first project's key pair (else one is generated and printed once)
  TRACERELAY_LOG_LEVEL                                      fatal|error|warn|info|debug|trace (default info)
  TRACERELAY_BUS_KIND / TRACERELAY_KAFKA_BROKERS            bus kind (embedded|kafka) and Kafka brokers host:port,host:port
  TRACERELAY_STORE_URL                                      ClickHouse server URL (else embedded chDB under the data dir)
  Scale-out: every ingest process must know the same project keys — the same TRACERELAY_INIT_* pair,
  or the same projects.json in its data dir (read at start).
`;

async function main(): Promise<number> {
  if (process.argv[2] === "replay") {
    const code = await replayCommand(process.argv.slice(3), (s) => process.stdout.write(s), (s) => process.stderr.write(s));
    await new Promise((resolve) => process.stdout.write("", resolve));
    return code;
  }
  if (process.argv[2] === "rules") {
    const code = await rulesCommand(process.argv.slice(3), (s) => process.stdout.write(s), (s) => process.stderr.write(s));
    await new Promise((resolve) => process.stdout.write("", resolve)); // flush before process.exit
    return code;
  }
  const { values, positionals } = parseArgs({
    allowPositionals: true,
    options: {
      config: { type: "string", short: "c" },
      port: { type: "string", short: "p" },
      "data-dir": { type: "string", short: "d" },
      with: { type: "string", multiple: true },
      destination: { type: "string", multiple: true },
      help: { type: "boolean", short: "h" },
      version: { type: "boolean", short: "v" },
    },
  });
  if (values.help) {
    process.stdout.write(HELP);
    return 0;
  }
  if (values.version) {
    const pkg = await import("../package.json", { with: { type: "json" } });
    process.stdout.write(`${pkg.default.version}\n`);
    return 0;
  }
  const command = positionals[0] ?? "start";
  if (command !== "start" && !(ROLE_NAMES as readonly string[]).includes(command)) {
    process.stderr.write(`unknown command "${command}"\n\n${HELP}`);
    return 2;
  }
  const extra = (values.with ?? []).flatMap((w) => w.split(",")).map((w) => w.trim()).filter(Boolean);
  const badRole = extra.find((r) => !(ROLE_NAMES as readonly string[]).includes(r));
  if (badRole !== undefined) {
    process.stderr.write(`--with: unknown role "${badRole}"; roles are ${ROLE_NAMES.join(", ")}\n`);
    return 2;
  }
  if (command === "start" && extra.length) {
    process.stderr.write("--with applies to the scale-out roles; start already runs every role\n");
    return 2;
  }
  const roles: RoleName[] = command === "start" ? [...ROLE_NAMES] : [...new Set([command as RoleName, ...(extra as RoleName[])])];
  if (values.destination?.length && !roles.includes("deliver")) {
    process.stderr.write("--destination applies to the deliver role\n");
    return 2;
  }
  let port: number | undefined;
  if (values.port !== undefined) {
    port = Number(values.port);
    if (!Number.isInteger(port) || port < 0 || port > 65535) {
      process.stderr.write(`--port must be an integer from 0 to 65535, got "${values.port}"\n`);
      return 2;
    }
  }
  const config = await loadConfig({ file: values.config, overrides: { port, data_dir: values["data-dir"] } });
  const refused = checkRoles(config, roles);
  if (refused) {
    process.stderr.write(`tracerelay ${command}: ${refused}\n`);
    return 2;
  }
  const logger = createLogger(config.log_level);
  const running = await startRoles(config, logger, { roles, destinations: values.destination, configFile: values.config ?? process.env.TRACERELAY_CONFIG });
  if (running.generatedKeys) {
    process.stderr.write(
      `\nFirst start: created project "default" with this key pair (shown once, store it now):\n  public key: ${running.generatedKeys.publicKey}\n  secret key: ${running.generatedKeys.secretKey}\n\n`,
    );
  }
  if (running.generatedAdmin) {
    process.stderr.write(
      `First start: created the web UI admin (shown once; change it by setting TRACERELAY_INIT_ADMIN_EMAIL / _PASSWORD):\n  sign in at ${running.url}/ as ${running.generatedAdmin.email} with password ${running.generatedAdmin.password}\n\n`,
    );
  }
  let signals = 0;
  const onSignal = (signal: string) => {
    if (++signals > 1) process.exit(130); // a second Ctrl-C does not wait
    logger.info({ signal }, "shutting down (send again to force)");
    const force = setTimeout(() => {
      logger.error("shutdown timed out; exiting");
      process.exit(1);
    }, config.server.shutdown_timeout_ms);
    force.unref();
    running.stop().then(
      () => process.exit(0),
      (err) => {
        logger.error({ err }, "error during shutdown");
        process.exit(1);
      },
    );
  };
  process.on("SIGINT", () => onSignal("SIGINT"));
  process.on("SIGTERM", () => onSignal("SIGTERM"));
  return -1; // keep running
}

main().then(
  (code) => {
    if (code >= 0) process.exit(code);
  },
  (err) => {
    if (err instanceof ConfigError) process.stderr.write(`${err.message}\n`);
    else process.stderr.write(`tracerelay failed to start: ${(err as Error).stack ?? err}\n`);
    process.exit(1);
  },
);

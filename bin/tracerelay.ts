#!/usr/bin/env node
// The `tracerelay` command. `start` (the default) runs every role in one process on the embedded
// defaults. The scale-out roles (ingest, route, deliver, explorer) arrive with the Kafka bus.
import { parseArgs } from "node:util";
import { ConfigError, loadConfig } from "../lib/config/index.ts";
import { createLogger } from "../lib/telemetry/logger.ts";
import { rulesCommand } from "../rules/cli.ts";
import { startSingleNode } from "../services/start.ts";

const HELP = `tracerelay — one endpoint for LLM traces

Usage: tracerelay [start] [options]

Commands:
  start              run every role in one process (embedded bus + embedded ClickHouse) [default]
  rules check FILE   validate a rules file (all problems with file:line); for CI
  rules test --rules FILE --span SPAN.json   dry-run a span or trace through the rules

Options:
  -c, --config FILE  configuration file (YAML); also TRACERELAY_CONFIG
  -p, --port N       HTTP port (default 4318); also TRACERELAY_PORT
  -d, --data-dir DIR where the bus, store and keys live (default ./.tracerelay); also TRACERELAY_DATA_DIR
  -h, --help         this help
  -v, --version      print the version

Environment:
  TRACERELAY_INIT_PUBLIC_KEY / TRACERELAY_INIT_SECRET_KEY   first project's key pair (else one is generated and printed once)
  TRACERELAY_LOG_LEVEL                                      fatal|error|warn|info|debug|trace (default info)
`;

async function main(): Promise<number> {
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
  if (command !== "start") {
    process.stderr.write(`unknown command "${command}"\n\n${HELP}`);
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
  const logger = createLogger(config.log_level);
  const running = await startSingleNode(config, logger, { configFile: values.config ?? process.env.TRACERELAY_CONFIG });
  if (running.generatedKeys) {
    process.stderr.write(
      `\nFirst start: created project "default" with this key pair (shown once, store it now):\n  public key: ${running.generatedKeys.publicKey}\n  secret key: ${running.generatedKeys.secretKey}\n\n`,
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

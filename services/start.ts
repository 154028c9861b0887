// Single-node mode (`tracerelay start`): every role in one process — on the embedded defaults, the
// embedded durable log as the bus and chDB as the store (any configured bus and store work too).
// The wiring of each role lives in services/roles/ and is shared with the scale-out commands
// (`tracerelay ingest|route|deliver|explorer`); services/roles/compose.ts runs a set of roles in one
// process (start order, one HTTP port, draining shutdown).
import type { Config } from "../lib/config/index.ts";
import type { Logger } from "../lib/telemetry/logger.ts";
import { ROLE_NAMES, type Running, startRoles } from "./roles/compose.ts";

export type { Running } from "./roles/compose.ts";

export interface StartOptions {
  /** The configuration file, watched for `rules:` changes (hot reload; a bad edit keeps the old rules). */
  configFile?: string;
}

export function startSingleNode(config: Config, logger: Logger, options: StartOptions = {}): Promise<Running> {
  return startRoles(config, logger, { roles: ROLE_NAMES, configFile: options.configFile });
}

import type { KeyStore } from "../../lib/auth/keys.ts";
import type { Bus } from "../../lib/bus/types.ts";
import type { Config } from "../../lib/config/index.ts";
import type { Metrics } from "../../lib/telemetry/metrics.ts";
import type { Admission } from "./admission.ts";

export interface IngestDeps {
  bus: Bus;
  keys: KeyStore;
  config: Config;
  metrics: Metrics;
  admission: Admission;
}

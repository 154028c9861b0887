// The common `delivery:` block: JSON Schema (config.schema.json, unknown keys rejected, every problem
// reported at once) and its defaults — the ONLY place delivery defaults live. A destination passes its
// vendor's limits as `vendorDefaults`; the user's block wins over both.
import { Ajv } from "ajv";
import { parseDuration } from "./duration.ts";
import { DeliveryConfigError } from "./errors.ts";
import schema from "./config.schema.json" with { type: "json" };

export interface DeliveryConfig {
  batch?: { max_spans?: number; max_bytes?: number; max_wait_ms?: number };
  retry?: { window?: string | number; initial_backoff_ms?: number; max_backoff_ms?: number };
  timeout_ms?: number;
  concurrency?: number;
  rate_limit?: { requests_per_second: number; burst?: number };
  breaker?: { error_threshold_percentage?: number; volume_threshold?: number; rolling_window_ms?: number; reset_timeout_ms?: number };
}

/** Fully resolved options (durations in ms). */
export interface DeliveryOptions {
  batch: { max_spans: number; max_bytes: number; max_wait_ms: number };
  retry: { window_ms: number; initial_backoff_ms: number; max_backoff_ms: number };
  timeout_ms: number;
  concurrency: number;
  rate_limit?: { requests_per_second: number; burst: number };
  breaker: { error_threshold_percentage: number; volume_threshold: number; rolling_window_ms: number; reset_timeout_ms: number };
}

export const DELIVERY_DEFAULTS = {
  batch: { max_spans: 500, max_bytes: 4_000_000, max_wait_ms: 1_000 },
  // Beats the OTel Collector's 300 s and Segment's 4 h: a day of outage is absorbed on the bus.
  retry: { window: "24h", initial_backoff_ms: 1_000, max_backoff_ms: 300_000 },
  timeout_ms: 30_000,
  concurrency: 4,
  breaker: { error_threshold_percentage: 50, volume_threshold: 5, rolling_window_ms: 60_000, reset_timeout_ms: 30_000 },
} as const satisfies DeliveryConfig;

const ajv = new Ajv({ allErrors: true, strict: false });
const validate = ajv.compile(schema);

export function resolveDeliveryOptions(config: DeliveryConfig = {}, vendorDefaults: DeliveryConfig = {}): DeliveryOptions {
  if (!validate(config)) {
    throw new DeliveryConfigError(
      (validate.errors ?? []).map((e) => `delivery${e.instancePath.replaceAll("/", ".")} ${e.message}${e.params && "additionalProperty" in e.params ? ` (${e.params.additionalProperty})` : ""}`),
    );
  }
  const pick = <K extends keyof DeliveryConfig>(key: K) => ({ ...(DELIVERY_DEFAULTS as DeliveryConfig)[key] as object, ...(vendorDefaults[key] as object), ...(config[key] as object) });
  const batch = pick("batch") as DeliveryOptions["batch"];
  const retry = pick("retry") as Required<NonNullable<DeliveryConfig["retry"]>>;
  const breaker = pick("breaker") as DeliveryOptions["breaker"];
  const problems: string[] = [];
  const window_ms = parseDuration(retry.window);
  if (window_ms === undefined) problems.push(`delivery.retry.window "${retry.window}" is not a duration (e.g. "15m", "24h", "7d")`);
  if (retry.initial_backoff_ms > retry.max_backoff_ms) problems.push("delivery.retry.initial_backoff_ms must not exceed max_backoff_ms");
  if (problems.length) throw new DeliveryConfigError(problems);
  const rate = config.rate_limit ?? vendorDefaults.rate_limit;
  return {
    batch,
    retry: { window_ms: window_ms!, initial_backoff_ms: retry.initial_backoff_ms, max_backoff_ms: retry.max_backoff_ms },
    timeout_ms: config.timeout_ms ?? vendorDefaults.timeout_ms ?? DELIVERY_DEFAULTS.timeout_ms,
    concurrency: config.concurrency ?? vendorDefaults.concurrency ?? DELIVERY_DEFAULTS.concurrency,
    rate_limit: rate ? { requests_per_second: rate.requests_per_second, burst: rate.burst ?? Math.max(1, Math.ceil(rate.requests_per_second)) } : undefined,
    breaker,
  };
}

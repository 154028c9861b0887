// Store destination config: only the common `delivery:` block, over the store's own defaults.
import { type DeliveryConfig, type DeliveryOptions, destinationConfigParser } from "../_delivery/index.ts";
import schema from "./config.schema.json" with { type: "json" };

export interface StoreConfigInput {
  delivery?: DeliveryConfig;
}

export interface StoreConfig {
  delivery: DeliveryOptions;
}

/**
 * - 1,000 spans (~4 MB) per insert: chDB's memory per insert grows with it, and 1,000 halves the
 *   engine's peak RSS against 5,000 for ~15% less throughput (bench/README.md);
 * - two inserts in flight: the engine parses one while the next batch is gathered (one at a time
 *   cost ~16% end to end; more only makes more parts and memory);
 * - inserts can take long under merges: 2 minutes before one is aborted and retried;
 * - the store is where every span ends up, so a transient failure is retried for as long as the bus
 *   keeps records by default (72 h) before anything is dead-lettered.
 */
export const STORE_DEFAULTS: DeliveryConfig = {
  batch: { max_spans: 1000, max_bytes: 16_000_000, max_wait_ms: 200 },
  concurrency: 2,
  timeout_ms: 120_000,
  retry: { window: "72h", initial_backoff_ms: 500, max_backoff_ms: 30_000 },
};

export const parseStoreConfig: (raw: unknown) => StoreConfig = destinationConfigParser<StoreConfigInput, Record<string, never>>("store", schema, STORE_DEFAULTS, () => ({}));

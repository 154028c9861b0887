// What every destination folder exports for the deliver role (destinations/index.ts lists them):
// its `type` (the `type:` in a `destinations:` entry), a config parser that validates the raw block
// against the folder's config.schema.json (every problem at once, never echoing secret values), and an
// adapter factory. Batching, breaker, retries, dead letters and metrics are the shared helper's
// (createDelivery in _delivery/); a destination never re-implements them.
import type { SpanWriter } from "../lib/store/span-writer.ts";
import type { DeliveryOptions, DestinationAdapter } from "./_delivery/index.ts";

/** A destination's parsed configuration: its own fields plus the resolved common `delivery:` block. */
export interface ParsedDestinationConfig {
  delivery: DeliveryOptions;
}

export interface AdapterEnv {
  /** Wall clock in ms (signatures, Retry-After dates, object keys); injectable for tests. */
  now?: () => number;
  /** The built-in store's writer (only the `store` type uses it; the deliver role provides it). */
  spanWriter?: SpanWriter;
  /** Store writes, for the store's own metrics (spans written, insert seconds). */
  onStoreWritten?: (spans: number, seconds: number) => void;
}

export interface DestinationModule<C extends ParsedDestinationConfig = ParsedDestinationConfig, R = unknown> {
  type: string;
  /**
   * Validates the raw `destinations.<name>` block (without `type`; `${ENV}` and `${file:…}` references
   * already expanded by the config loader). Throws DeliveryConfigError listing every problem.
   */
  parseConfig(raw: unknown): C;
  adapter(name: string, config: C, env?: AdapterEnv): DestinationAdapter<R>;
}

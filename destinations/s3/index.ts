// The S3 destination: gzip JSON Lines of canonical spans, one object per (project, hour) group of a
// batch, under deterministic keys. Only the vendor-specific parts live here (config, mapper, client);
// createDelivery does batching (= object rolling), retries, breaker and dead letters.
import type { CanonicalSpan } from "../../lib/span/types.ts";
import type { DestinationAdapter } from "../_delivery/index.ts";
import type { DestinationModule } from "../module.ts";
import { createS3Client } from "./client.ts";
import { parseS3Config, type S3Config } from "./config.ts";
import { mapS3, type S3Request } from "./mapper.ts";

export { parseS3Config, S3_VENDOR_DEFAULTS, type S3Config } from "./config.ts";
export { batchId, DEFAULT_KEY_TEMPLATE, mapS3, type S3Object, type S3Request } from "./mapper.ts";

export function s3Adapter(name: string, config: Omit<S3Config, "delivery">, now?: () => number): DestinationAdapter<S3Request> {
  const { prefix, keyTemplate, ...client } = config;
  return {
    name,
    mapper: { map: (spans: CanonicalSpan[]) => mapS3(spans, { prefix, keyTemplate }) },
    client: createS3Client({ ...client, now }),
  };
}

export const s3Module: DestinationModule<S3Config, S3Request> = {
  type: "s3",
  parseConfig: parseS3Config,
  adapter: (name, config, env) => s3Adapter(name, config, env?.now),
};

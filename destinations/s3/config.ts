// S3 destination config: validated against config.schema.json (which embeds the common `delivery:`
// block), every problem reported at once, secrets never echoed. Defaults live here and in
// S3_VENDOR_DEFAULTS; the delivery helper's batch limits are what rolls objects (size / time).
import { type DeliveryConfig, DeliveryConfigError, type DeliveryOptions, destinationConfigParser } from "../_delivery/index.ts";
import schema from "./config.schema.json" with { type: "json" };
import { DEFAULT_KEY_TEMPLATE, templateProblems } from "./mapper.ts";

export type SseAlgorithm = "AES256" | "aws:kms";

export interface S3ConfigInput {
  bucket: string;
  prefix?: string;
  key_template?: string;
  region?: string;
  endpoint?: string;
  force_path_style?: boolean;
  access_key_id?: string;
  secret_access_key?: string;
  session_token?: string;
  server_side_encryption?: { algorithm: SseAlgorithm; kms_key_id?: string };
  delivery?: DeliveryConfig;
}

export interface S3Config {
  bucket: string;
  prefix: string;
  keyTemplate: string;
  region: string;
  endpoint?: string;
  forcePathStyle: boolean;
  /** Static credentials; undefined = the AWS default credential chain (env, profile, IMDS, …). */
  credentials?: { accessKeyId: string; secretAccessKey: string; sessionToken?: string };
  sse?: { algorithm: SseAlgorithm; kmsKeyId?: string };
  delivery: DeliveryOptions;
}

/**
 * One object per batch group, so the batch limits ARE the object rolling policy: ~8 MB of span JSON
 * (≈1 MB gzipped) or 60 s, whichever comes first. Few large objects keep S3 request costs and the
 * small-file problem of query engines (Athena, Spark) down; 60 s bounds how stale the lake is.
 */
export const S3_VENDOR_DEFAULTS: DeliveryConfig = { batch: { max_spans: 100_000, max_bytes: 8_000_000, max_wait_ms: 60_000 } };

export const parseS3Config: (raw: unknown) => S3Config = destinationConfigParser<S3ConfigInput, Omit<S3Config, "delivery">>(
  "s3",
  schema,
  S3_VENDOR_DEFAULTS,
  (input) => {
    const keyTemplate = input.key_template ?? DEFAULT_KEY_TEMPLATE;
    const problems = templateProblems(keyTemplate).map((p) => `s3.key_template ${p}`);
    if (problems.length) throw new DeliveryConfigError(problems);
    const sse = input.server_side_encryption;
    return {
      bucket: input.bucket,
      prefix: input.prefix ?? "",
      keyTemplate,
      region: input.region ?? "us-east-1",
      endpoint: input.endpoint,
      forcePathStyle: input.force_path_style ?? false,
      credentials:
        input.access_key_id && input.secret_access_key
          ? { accessKeyId: input.access_key_id, secretAccessKey: input.secret_access_key, sessionToken: input.session_token }
          : undefined,
      sse: sse ? { algorithm: sse.algorithm, kmsKeyId: sse.kms_key_id } : undefined,
    };
  },
);

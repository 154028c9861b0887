// LangSmith destination config: validated against config.schema.json (common `delivery:` block
// included), every problem at once; LangSmith's published ingest limits are the vendor defaults.
import { type DeliveryConfig, type DeliveryOptions, destinationConfigParser } from "../_delivery/index.ts";
import schema from "./config.schema.json" with { type: "json" };

export const LANGSMITH_DEFAULT_API_URL = "https://api.smith.langchain.com";
export const LANGSMITH_DEFAULT_PROJECT = "default";

export interface LangSmithConfigInput {
  api_url?: string;
  api_key: string;
  project?: string;
  workspace_id?: string;
  delivery?: DeliveryConfig;
}

export interface LangSmithConfig {
  apiUrl: string;
  apiKey: string;
  project: string;
  workspaceId?: string;
  delivery: DeliveryOptions;
}

/**
 * LangSmith's limits (NOTES.md §6, §7): 100 runs per batch (the SDK default `size_limit`), 20 MiB
 * uncompressed per batch (Python default; JS allows 24 MiB, keep the lower), and 5000 POST /runs* per
 * minute per API key (~83/s) at the load balancer.
 */
export const LANGSMITH_VENDOR_DEFAULTS: DeliveryConfig = {
  batch: { max_spans: 100, max_bytes: 20 * 1024 * 1024 },
  rate_limit: { requests_per_second: 80 },
};

export const parseLangSmithConfig: (raw: unknown) => LangSmithConfig = destinationConfigParser<LangSmithConfigInput, Omit<LangSmithConfig, "delivery">>(
  "langsmith",
  schema,
  LANGSMITH_VENDOR_DEFAULTS,
  (input) => ({
    apiUrl: (input.api_url ?? LANGSMITH_DEFAULT_API_URL).replace(/\/+$/, ""),
    apiKey: input.api_key,
    project: input.project ?? LANGSMITH_DEFAULT_PROJECT,
    workspaceId: input.workspace_id,
  }),
);

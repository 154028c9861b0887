// Every default in one place. The schema (schemas/config.schema.json) says what is allowed; this says
// what you get when you say nothing.
export interface Config {
  server: {
    host: string;
    port: number;
    body_limit_bytes: number;
    langfuse_body_limit_bytes: number;
    max_json_depth: number;
    max_inflight_requests: number;
    rate_limit_per_project: number;
    shutdown_timeout_ms: number;
    admin_projects: string[];
  };
  data_dir: string;
  log_level: "fatal" | "error" | "warn" | "info" | "debug" | "trace" | "silent";
  bus: {
    kind: "embedded" | "kafka";
    partitions: number;
    retention_hours: number;
    retention_bytes?: number;
    /** Kafka only (kind: kafka): bootstrap brokers "host:port"; required then (or TRACERELAY_KAFKA_BROKERS). */
    brokers?: string[];
    client_id?: string;
    topic_prefix?: string;
    replication_factor?: number;
    create_topics?: boolean;
    ssl?: boolean | { ca_file?: string; cert_file?: string; key_file?: string; reject_unauthorized?: boolean; servername?: string };
    sasl?: { mechanism: "plain" | "scram-sha-256" | "scram-sha-512"; username: string; password: string };
  };
  store: { url: string | null; database: string };
  webhooks: Record<string, { secret: string; project?: string }>;
  pricing: { models: Record<string, { input_per_mtok: number; output_per_mtok: number; cache_read_per_mtok?: number; cache_write_per_mtok?: number }> };
  destinations: Record<string, { type: string; [key: string]: unknown }>;
  rules: Record<string, unknown>;
  dead_letters: { retention: string | number };
  status: { heartbeat_ms: number };
}

export const DEFAULTS: Config = {
  server: {
    host: "0.0.0.0",
    port: 4318,
    body_limit_bytes: 16 * 1024 * 1024,
    langfuse_body_limit_bytes: 4.5 * 1024 * 1024,
    max_json_depth: 64,
    max_inflight_requests: 512,
    rate_limit_per_project: 0,
    shutdown_timeout_ms: 10_000,
    admin_projects: ["default"],
  },
  data_dir: "./.tracerelay",
  log_level: "info",
  bus: { kind: "embedded", partitions: 4, retention_hours: 72 },
  store: { url: null, database: "tracerelay" },
  webhooks: {},
  pricing: { models: {} },
  destinations: { store: { type: "store" } },
  rules: {},
  dead_letters: { retention: "14d" },
  status: { heartbeat_ms: 5000 },
};

/* generated from schemas/span.v1.schema.json by scripts/gen-types.ts — do not edit */

/**
 * RFC 3339 UTC with microsecond precision, e.g. 2026-01-01T10:00:00.123456Z
 */
export type Timestamp = string
export type Count = number

/**
 * One LLM-trace span in tracerelay's canonical form (schema version 1). Single source of truth: the TypeScript types in schemas/generated/ are generated from this file and ajv validates every span against it at the bus boundary.
 */
export interface CanonicalSpan {
schema_version: 1
/**
 * W3C trace id, 32 lowercase hex; non-W3C source ids are mapped deterministically (original kept in attributes).
 */
trace_id: string
span_id: string
parent_span_id?: (string | null)
project_id: string
name: string
kind: ("agent" | "chain" | "llm" | "tool" | "retrieval" | "embedding" | "rerank" | "guardrail" | "event" | "custom")
start_time: Timestamp
end_time?: (Timestamp | null)
duration_ms?: (number | null)
status: ("ok" | "error" | "unset")
status_message?: (string | null)
level?: ("debug" | "default" | "warning" | "error")
session_id?: (string | null)
user_id?: (string | null)
/**
 * @maxItems 100
 */
tags?: string[]
environment?: (string | null)
release?: (string | null)
service_name?: (string | null)
model?: (string | null)
provider?: (string | null)
/**
 * Request parameters such as temperature, max_tokens, top_p.
 */
model_parameters?: {
[k: string]: unknown
}
/**
 * Any JSON; chat messages are kept as a message array.
 */
input?: unknown
/**
 * Any JSON; chat messages are kept as a message array.
 */
output?: unknown
usage?: Usage
cost?: Cost
stop_reason?: (string | null)
first_token_ms?: (number | null)
thinking?: (string | null)
tool_calls?: {
id?: (string | null)
name: string
/**
 * Parsed JSON arguments when the source sent JSON, else the raw string.
 */
arguments?: unknown
}[]
prompt?: ({
name: string
version?: (string | number | null)
} | null)
/**
 * What no field above captured, flat string keys.
 */
attributes?: {
[k: string]: string | number | boolean | unknown[] | null
}
events?: {
name: string
time: Timestamp
attributes?: {
[k: string]: unknown
}
}[]
source: {
format: ("otlp" | "langfuse" | "langsmith" | "webhook" | "proxy")
/**
 * e.g. gen_ai, openinference, openllmetry, vercel_ai, langfuse
 */
convention?: (string | null)
}
}
/**
 * input_tokens counts ALL input tokens (cached included); cache_* are parts of it. reasoning_tokens is part of output_tokens.
 */
export interface Usage {
input_tokens?: Count
output_tokens?: Count
total_tokens?: Count
cache_read_tokens?: Count
cache_write_tokens?: Count
reasoning_tokens?: Count
}
export interface Cost {
input_usd?: number
output_usd?: number
total_usd?: number
source: ("reported" | "computed")
}

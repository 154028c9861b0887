// One spelling per finish/stop reason across providers and conventions.
//
// Canonical spellings are the OTel GenAI enum (`gen_ai.response.finish_reasons` / output-message
// `finish_reason`): `stop`, `length`, `content_filter`, `tool_call`, `error`. Every known spelling of the
// same outcome maps onto it:
//   tool_calls (OpenAI CC) · tool-calls (Vercel) · tool_use (Anthropic) · function_call (OpenAI legacy) → tool_call
//   end_turn · stop_sequence (Anthropic) · completed (OpenAI Responses) · STOP (Gemini)               → stop
//   max_tokens (Anthropic, Gemini MAX_TOKENS) · max_output_tokens (OpenAI Responses)                  → length
//   content-filter (Vercel) · SAFETY · RECITATION · PROHIBITED_CONTENT (Gemini)                        → content_filter
// Anything else (`pause_turn`, `refusal`, `other`, `interrupted`, …) is kept, lowercased with `-` → `_`,
// rather than forced into a bucket that would misreport it.
const CANONICAL: Record<string, string> = {
  stop: "stop",
  end_turn: "stop",
  stop_sequence: "stop",
  completed: "stop",
  finish_reason_stop: "stop",
  length: "length",
  max_tokens: "length",
  max_output_tokens: "length",
  model_length: "length",
  tool_call: "tool_call",
  tool_calls: "tool_call",
  tool_use: "tool_call",
  function_call: "tool_call",
  content_filter: "content_filter",
  safety: "content_filter",
  recitation: "content_filter",
  prohibited_content: "content_filter",
  blocklist: "content_filter",
  spii: "content_filter",
  error: "error",
};

export function normalizeStopReason(raw: unknown): string | undefined {
  const value = Array.isArray(raw) ? raw.find((r) => typeof r === "string" && r !== "") : raw;
  if (typeof value !== "string" || value.trim() === "") return undefined;
  const key = value.trim().toLowerCase().replaceAll("-", "_");
  return CANONICAL[key] ?? key;
}

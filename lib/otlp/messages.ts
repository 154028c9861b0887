// Canonical chat messages → OTel GenAI message JSON (v1.37+ `role` + `parts[]`, schema
// docs/gen-ai/gen-ai-{input,output}-messages.json). The inverse of the ingest's fromOtelMessage:
//   content string               → [{type:"text", content}]
//   {type:"text"|"reasoning", text} → {type, content}; any other part passes through as written
//   tool_calls [{id,name,arguments}] → {type:"tool_call", id, name, arguments}
//   role "tool" + tool_call_id   → {type:"tool_call_response", id, response: content}
// Output messages also carry `finish_reason` (required by the output schema) and get the span's
// `thinking` back as a leading reasoning part, since the canonical span stores it apart.
import type { CanonicalSpan } from "../span/types.ts";

export interface OtelPart {
  type: string;
  [key: string]: unknown;
}

export interface OtelMessage {
  role: string;
  parts: OtelPart[];
  name?: string;
  finish_reason?: string;
}

type ToolCall = NonNullable<CanonicalSpan["tool_calls"]>[number];

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === "object" && v !== null && !Array.isArray(v);

/** True when the value is a list of `{role, …}` records, i.e. canonical chat messages. */
export function isMessageList(value: unknown): value is Record<string, unknown>[] {
  return Array.isArray(value) && value.length > 0 && value.every((m) => isRecord(m) && typeof m.role === "string");
}

function toolCallPart(call: ToolCall): OtelPart {
  const part: OtelPart = { type: "tool_call", name: call.name };
  if (call.id) part.id = call.id;
  if (call.arguments !== undefined) part.arguments = call.arguments;
  return part;
}

/** A value that is not chat-shaped (a prompt string, a chain's JSON) travels as one text part. */
function textPart(value: unknown): OtelPart {
  return { type: "text", content: typeof value === "string" ? value : JSON.stringify(value) };
}

function contentParts(content: unknown): OtelPart[] {
  if (content === undefined || content === null) return [];
  if (typeof content === "string") return [{ type: "text", content }];
  if (!Array.isArray(content)) return [textPart(content)];
  return content.map((p): OtelPart => {
    if (!isRecord(p) || typeof p.type !== "string") return textPart(p);
    if ((p.type === "text" || p.type === "reasoning") && typeof p.text === "string") return { type: p.type, content: p.text };
    return p as OtelPart;
  });
}

export function toOtelMessage(m: Record<string, unknown>): OtelMessage {
  const role = m.role as string;
  let parts: OtelPart[];
  if (role === "tool" && typeof m.tool_call_id === "string") {
    parts = [{ type: "tool_call_response", id: m.tool_call_id, response: m.content ?? null }];
  } else {
    parts = contentParts(m.content);
    for (const call of Array.isArray(m.tool_calls) ? (m.tool_calls as ToolCall[]) : []) parts.push(toolCallPart(call));
  }
  const out: OtelMessage = { role, parts };
  if (typeof m.name === "string" && m.name) out.name = m.name;
  return out;
}

export interface OtelInput {
  systemInstructions?: OtelPart[];
  messages?: OtelMessage[];
}

/** The span input: a leading system message becomes `gen_ai.system_instructions`, the rest the history. */
export function otelInput(input: unknown): OtelInput {
  if (input === undefined || input === null) return {};
  if (!isMessageList(input)) return { messages: [{ role: "user", parts: [textPart(input)] }] };
  const [first, ...rest] = input;
  if (first.role === "system" && first.content !== undefined) {
    return { systemInstructions: contentParts(first.content), messages: rest.length ? rest.map(toOtelMessage) : undefined };
  }
  return { messages: input.map(toOtelMessage) };
}

/** The span output as output messages (a non-chat value as one assistant text), or undefined when there is none. */
export function otelOutput(span: CanonicalSpan): OtelMessage[] | undefined {
  const { output, thinking, tool_calls: toolCalls, stop_reason: stopReason } = span;
  let messages: OtelMessage[] | undefined;
  if (isMessageList(output)) messages = output.map(toOtelMessage);
  else if (output !== undefined && output !== null) messages = [{ role: "assistant", parts: [textPart(output)] }];
  if (!messages && !thinking && !toolCalls?.length) return undefined;
  messages ??= [{ role: "assistant", parts: [] }];
  const target = messages.find((m) => m.role === "assistant") ?? messages[0];
  if (thinking) target.parts.unshift({ type: "reasoning", content: thinking });
  // Tool calls the span lists but no output message carries (e.g. a non-chat output) go on the reply.
  const carried = messages.some((m) => m.parts.some((p) => p.type === "tool_call"));
  if (!carried) for (const call of toolCalls ?? []) target.parts.push(toolCallPart(call));
  // The schema requires finish_reason; it is written only when known rather than invented.
  if (stopReason) for (const m of messages) if (m.role === "assistant") m.finish_reason = stopReason;
  return messages;
}

// Chat messages in canonical form, and the parsers that bring every convention's message encoding to it.
//
// Canonical message (OpenAI-chat-like, so every destination and the UI can render it):
//   { role, content?, name?, tool_calls?: [{id, name, arguments}], tool_call_id? }
// - `content` is a string when the message is a single text, else an array of parts:
//   {type:"text", text}, {type:"reasoning", text} (only in input history; see below), and any other part
//   passed through as the source wrote it (OTel blob/uri/file, images, …). A tool result's content is the
//   result value itself (string or JSON).
// - tool calls requested by the model sit on the assistant message (`tool_calls`), arguments parsed from
//   JSON when they are JSON; a tool result is its own `role:"tool"` message with `tool_call_id`.
// - OUTPUT messages lose their reasoning parts: the text goes to the span's `thinking` field instead
//   (`extractOutput`), so it is stored once.
//
// Encodings handled (reference, "Where message content lives"):
//   OTel parts JSON (`gen_ai.input.messages`, v1.37+)       → fromOtelMessage
//   OpenAI/Anthropic-style chat JSON (events, legacy JSON)   → fromChatMessage
//   Vercel AI SDK prompt/message JSON (`ai.prompt*`)         → fromAiSdkMessage
//   flattened indexed keys (OpenInference, OpenLLMetry)      → indexed() + the normalizer's own field map
import type { AttrValue } from "../otlp/types.ts";
import { type AttributeBag, asString, isRecord, parseJsonValue } from "./attributes.ts";

export interface ToolCall {
  id?: string | null;
  name: string;
  arguments?: unknown;
}

export interface Part {
  type: string;
  [key: string]: unknown;
}

export interface Message {
  role: string;
  content?: unknown;
  name?: string;
  tool_calls?: ToolCall[];
  tool_call_id?: string;
}

// ---- building blocks ---------------------------------------------------------------------------

export function toolCall(id: unknown, name: unknown, args: unknown): ToolCall | undefined {
  const n = asString(name);
  if (n === undefined) return undefined;
  const i = asString(id);
  const call: ToolCall = i === undefined ? { name: n } : { id: i, name: n };
  if (args !== undefined && args !== null && args !== "") call.arguments = parseJsonValue(args);
  return call;
}

function message(role: string, parts: Part[], extra?: Partial<Message>): Message {
  const m: Message = { role };
  if (parts.length) m.content = parts;
  if (extra?.name) m.name = extra.name;
  if (extra?.tool_calls?.length) m.tool_calls = extra.tool_calls;
  if (extra?.tool_call_id) m.tool_call_id = extra.tool_call_id;
  return m;
}

function toolResultMessage(id: unknown, result: unknown, name?: unknown): Message {
  const m: Message = { role: "tool" };
  const n = asString(name);
  if (n) m.name = n;
  const i = asString(id);
  if (i) m.tool_call_id = i;
  if (result !== undefined) m.content = result;
  return m;
}

// ---- OTel GenAI parts (v1.37+) ------------------------------------------------------------------

/** `{role, parts:[…], name?, finish_reason?}` → one message, or several when tool responses are split out. */
export function fromOtelMessage(raw: Record<string, unknown>): Message[] {
  const role = asString(raw.role) ?? "user";
  const parts: Part[] = [];
  const calls: ToolCall[] = [];
  const results: Message[] = [];
  for (const p of Array.isArray(raw.parts) ? raw.parts : []) {
    if (!isRecord(p)) continue;
    switch (p.type) {
      case "text":
        parts.push({ type: "text", text: asString(p.content) ?? "" });
        break;
      case "reasoning":
        parts.push({ type: "reasoning", text: asString(p.content) ?? "" });
        break;
      case "tool_call": {
        const call = toolCall(p.id, p.name, p.arguments);
        if (call) calls.push(call);
        break;
      }
      case "tool_call_response":
        // The JSON schema names the result `response`; the registry's example writes `result`.
        results.push(toolResultMessage(p.id, p.response !== undefined ? p.response : p.result));
        break;
      default:
        parts.push(p as Part);
    }
  }
  const out: Message[] = [];
  if (parts.length || calls.length || results.length === 0) {
    out.push(message(role, parts, { name: asString(raw.name), tool_calls: calls }));
  }
  return out.concat(results);
}

/** `gen_ai.system_instructions`: an array of parts (or a plain string) → one system message. */
export function fromSystemInstructions(value: unknown): Message | undefined {
  if (typeof value === "string") return value ? message("system", [{ type: "text", text: value }]) : undefined;
  if (!Array.isArray(value)) return undefined;
  const [m] = fromOtelMessage({ role: "system", parts: value });
  return m?.content ? m : undefined;
}

// ---- OpenAI / Anthropic style chat JSON ------------------------------------------------------------

/**
 * `{role, content, tool_calls, tool_call_id, name}` in OpenAI Chat Completions shape, with Anthropic
 * content blocks (tool_use, tool_result, thinking) and flat `{id, name, arguments}` tool calls accepted.
 */
export function fromChatMessage(raw: Record<string, unknown>): Message[] {
  const role = asString(raw.role) ?? "user";
  const parts: Part[] = [];
  const calls: ToolCall[] = [];
  const results: Message[] = [];
  const content = raw.content;
  if (typeof content === "string") parts.push({ type: "text", text: content });
  else if (Array.isArray(content)) {
    for (const p of content) {
      if (typeof p === "string") parts.push({ type: "text", text: p });
      else if (isRecord(p)) chatPart(p, parts, calls, results);
    }
  } else if (content !== undefined && content !== null) parts.push({ type: "json", value: content });
  for (const c of Array.isArray(raw.tool_calls) ? raw.tool_calls : []) {
    const call = isRecord(c) ? chatToolCall(c) : undefined;
    if (call) calls.push(call);
  }
  if (isRecord(raw.function_call)) {
    const call = toolCall(undefined, raw.function_call.name, raw.function_call.arguments);
    if (call) calls.push(call);
  }
  const refusal = asString(raw.refusal);
  if (refusal) parts.push({ type: "refusal", text: refusal });
  // A tool message's id is the call it answers (the v1.28 `gen_ai.tool.message` body names it `id`).
  const toolCallId = asString(raw.tool_call_id) ?? (role === "tool" ? asString(raw.id) : undefined);
  const out: Message[] = [];
  if (parts.length || calls.length || results.length === 0) {
    out.push(message(role, parts, { name: asString(raw.name), tool_calls: calls, tool_call_id: toolCallId }));
  }
  return out.concat(results);
}

function chatPart(p: Record<string, unknown>, parts: Part[], calls: ToolCall[], results: Message[]): void {
  switch (p.type) {
    case "text":
    case "input_text":
    case "output_text":
      parts.push({ type: "text", text: asString(p.text) ?? "" });
      return;
    case "thinking": // Anthropic
      parts.push({ type: "reasoning", text: asString(p.thinking) ?? "" });
      return;
    case "reasoning":
      parts.push({ type: "reasoning", text: asString(p.text ?? p.content) ?? "" });
      return;
    case "tool_use": {
      // Anthropic block {id, name, input}
      const call = toolCall(p.id, p.name, p.input);
      if (call) calls.push(call);
      return;
    }
    case "tool_result": // Anthropic block {tool_use_id, content}
      results.push(toolResultMessage(p.tool_use_id, p.content));
      return;
    default:
      parts.push(p as Part);
  }
}

function chatToolCall(c: Record<string, unknown>): ToolCall | undefined {
  // OpenAI {id, type:"function", function:{name, arguments}} or flat {id, name, arguments}
  const fn = isRecord(c.function) ? c.function : c;
  return toolCall(c.id, fn.name, fn.arguments ?? fn.input);
}

// ---- Vercel AI SDK messages (ModelMessage / LanguageModelV* prompt) ------------------------------

/** AI SDK message: string content or parts text, reasoning, tool-call, tool-result, file, image. */
export function fromAiSdkMessage(raw: Record<string, unknown>): Message[] {
  const role = asString(raw.role) ?? "user";
  if (typeof raw.content === "string") return [message(role, [{ type: "text", text: raw.content }])];
  const parts: Part[] = [];
  const calls: ToolCall[] = [];
  const results: Message[] = [];
  for (const p of Array.isArray(raw.content) ? raw.content : []) {
    if (!isRecord(p)) continue;
    switch (p.type) {
      case "text":
        parts.push({ type: "text", text: asString(p.text) ?? "" });
        break;
      case "reasoning":
        parts.push({ type: "reasoning", text: asString(p.text) ?? "" });
        break;
      case "tool-call": {
        // v5+ `input` (object); v4 `args` (object or JSON string)
        const call = toolCall(p.toolCallId, p.toolName, p.input !== undefined ? p.input : p.args);
        if (call) calls.push(call);
        break;
      }
      case "tool-result":
        results.push(toolResultMessage(p.toolCallId, aiSdkToolOutput(p), p.toolName));
        break;
      default:
        parts.push(p as Part);
    }
  }
  const out: Message[] = [];
  if (parts.length || calls.length || results.length === 0) out.push(message(role, parts, { tool_calls: calls }));
  return out.concat(results);
}

/** v5+: `output: {type:"text"|"json"|"error-text"|"error-json", value}`; v4: `result`. */
function aiSdkToolOutput(p: Record<string, unknown>): unknown {
  const output = p.output;
  if (isRecord(output) && "value" in output) return output.value;
  return output !== undefined ? output : p.result;
}

/** Outer-span `ai.prompt`: `{system?, prompt?, messages?}` → messages in order. */
export function fromAiSdkPrompt(value: unknown): Message[] | undefined {
  if (!isRecord(value)) return undefined;
  const out: Message[] = [];
  const system = asString(value.system);
  if (system) out.push(message("system", [{ type: "text", text: system }]));
  if (typeof value.prompt === "string") out.push(message("user", [{ type: "text", text: value.prompt }]));
  else if (Array.isArray(value.prompt)) out.push(...aiSdkList(value.prompt));
  if (Array.isArray(value.messages)) out.push(...aiSdkList(value.messages));
  return out.length ? out : undefined;
}

export function aiSdkList(list: unknown[]): Message[] {
  const out: Message[] = [];
  for (const m of list) if (isRecord(m)) out.push(...fromAiSdkMessage(m));
  return out;
}

// ---- generic JSON message lists ----------------------------------------------------------------

/**
 * A parsed value that is a message list: each item `{role, parts}` (OTel) or `{role, content…}` (chat).
 * Returns undefined when the value is not a list of messages, so callers can keep it as plain JSON.
 */
export function parseMessageList(value: unknown): Message[] | undefined {
  const list = isRecord(value) && typeof value.role === "string" ? [value] : value;
  if (!Array.isArray(list) || list.length === 0) return undefined;
  if (!list.every((m) => isRecord(m) && typeof m.role === "string")) return undefined;
  const out: Message[] = [];
  for (const m of list as Record<string, unknown>[]) {
    out.push(...(Array.isArray(m.parts) ? fromOtelMessage(m) : fromChatMessage(m)));
  }
  return out;
}

// ---- finishing -----------------------------------------------------------------------------------

/** Content of one text part becomes a plain string; no parts means no content. */
export function simplify(messages: Message[]): Message[] {
  for (const m of messages) {
    if (!Array.isArray(m.content)) continue;
    const parts = m.content as Part[];
    if (parts.length === 0) delete m.content;
    else if (parts.length === 1 && parts[0].type === "text" && typeof parts[0].text === "string") m.content = parts[0].text;
  }
  return messages;
}

export interface ExtractedOutput {
  messages: Message[];
  thinking?: string;
  toolCalls: ToolCall[];
}

/** Moves reasoning parts of output messages to `thinking` and collects the requested tool calls. */
export function extractOutput(messages: Message[]): ExtractedOutput {
  const thoughts: string[] = [];
  const toolCalls: ToolCall[] = [];
  for (const m of messages) {
    if (Array.isArray(m.content)) {
      const kept: Part[] = [];
      for (const p of m.content as Part[]) {
        if (p.type === "reasoning" && typeof p.text === "string") thoughts.push(p.text);
        else kept.push(p);
      }
      m.content = kept;
    }
    if (m.tool_calls) toolCalls.push(...m.tool_calls);
  }
  return { messages: simplify(messages), thinking: thoughts.length ? thoughts.join("\n") : undefined, toolCalls };
}

// ---- flattened indexed keys ------------------------------------------------------------------------

export type Flat = Map<string, AttrValue>;

const INDEXED = /^(\d+)\.(.+)$/;

/**
 * Consumes `prefix{i}.{rest}` keys and groups them by index, ascending. Only keys whose next segment
 * is a number are touched: `gen_ai.prompt.name` (a prompt NAME) and the bare `gen_ai.prompt` (the
 * pre-1.28 content attribute) share the `gen_ai.prompt` prefix with the indexed messages and must stay.
 */
export function takeIndexed(bag: AttributeBag, prefix: string): Flat[] {
  const groups = new Map<number, Flat>();
  for (const key of bag.keysWithPrefix(prefix)) {
    const m = INDEXED.exec(key.slice(prefix.length));
    if (m) group(groups, Number(m[1])).set(m[2], bag.take(key) as AttrValue);
  }
  return sortedGroups(groups);
}

/** The same grouping inside an already-taken record (e.g. `message.tool_calls.{k}.…`). */
export function subIndexed(record: Flat, prefix: string): Flat[] {
  const groups = new Map<number, Flat>();
  for (const [key, value] of record) {
    const m = key.startsWith(prefix) ? INDEXED.exec(key.slice(prefix.length)) : null;
    if (m) group(groups, Number(m[1])).set(m[2], value);
  }
  return sortedGroups(groups);
}

function group(groups: Map<number, Flat>, index: number): Flat {
  let g = groups.get(index);
  if (!g) {
    g = new Map();
    groups.set(index, g);
  }
  return g;
}

function sortedGroups(groups: Map<number, Flat>): Flat[] {
  return [...groups.keys()].sort((a, b) => a - b).map((i) => groups.get(i) as Flat);
}

/** Strips `prefix` from the keys of a flat record that have it (used for pass-through parts). */
export function stripPrefix(record: Flat, prefix: string): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [key, value] of record) if (key.startsWith(prefix)) out[key.slice(prefix.length)] = value;
  return out;
}

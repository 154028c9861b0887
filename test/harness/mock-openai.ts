// A local, deterministic OpenAI-compatible server for end-to-end tests: real SDKs (openai, @ai-sdk/openai)
// talk to it over HTTP on 127.0.0.1, so instrumentations see real requests and real responses.
//
// Routes:
//   POST /v1/chat/completions  non-streaming, and streaming (`stream: true`) as SSE chunks; with
//                              `stream_options.include_usage` a final usage chunk is sent.
//   POST /v1/responses         non-streaming and streaming (Responses API events), for providers that
//                              default to it (@ai-sdk/openai).
//
// Behaviour (deterministic, so tests can assert exact values):
//   - if the request has `tools` and the conversation does not yet contain a tool result, the answer is
//     ONE call of the first tool with `toolArguments` (default {"city":"Paris"}) and usage TOOL_CALL_USAGE;
//   - otherwise the answer is the text `answerText` with usage TEXT_USAGE.
//   - `model` in the response echoes the requested model; ids count up per server (chatcmpl-mock-1, …).
// Every request and the JSON it was answered with are recorded in `requests`.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";

export interface MockUsage {
  prompt_tokens: number;
  completion_tokens: number;
  total_tokens: number;
  cached_tokens: number;
  reasoning_tokens: number;
}

/** Usage of an answer that calls a tool (the first model call of a tool round). */
export const TOOL_CALL_USAGE: MockUsage = { prompt_tokens: 120, completion_tokens: 30, total_tokens: 150, cached_tokens: 40, reasoning_tokens: 10 };
/** Usage of a plain text answer (the second model call of a tool round, or a call without tools). */
export const TEXT_USAGE: MockUsage = { prompt_tokens: 210, completion_tokens: 24, total_tokens: 234, cached_tokens: 64, reasoning_tokens: 6 };

export const DEFAULT_ANSWER = "It is 21 degrees and sunny in Paris.";
export const DEFAULT_TOOL_ARGUMENTS = { city: "Paris" };

export interface RecordedRequest {
  path: string;
  headers: Record<string, string | string[] | undefined>;
  body: Record<string, unknown>;
  stream: boolean;
  /** The answer: for streams, the same object as the non-streamed answer would have been. */
  response: Record<string, unknown>;
  /** Which kind of answer was produced. */
  answer: "tool_call" | "text";
  usage: MockUsage;
  toolCallId?: string;
}

export interface MockOpenAI {
  /** Base URL with the `/v1` suffix, as OpenAI clients expect (`baseURL`). */
  baseURL: string;
  /** Origin without path, e.g. http://127.0.0.1:40123 */
  url: string;
  requests: RecordedRequest[];
  answerText: string;
  toolArguments: Record<string, unknown>;
  /** Clears recorded requests (ids keep counting up). */
  reset(): void;
  close(): Promise<void>;
}

export async function startMockOpenAI(): Promise<MockOpenAI> {
  let seq = 0;
  const state: MockOpenAI = {
    baseURL: "",
    url: "",
    requests: [],
    answerText: DEFAULT_ANSWER,
    toolArguments: { ...DEFAULT_TOOL_ARGUMENTS },
    reset() {
      state.requests.length = 0;
    },
    close: async () => {},
  };

  const server: Server = createServer((req, res) => {
    handle(req, res).catch((err: unknown) => {
      if (!res.headersSent) sendJson(res, 500, { error: { message: String(err), type: "mock_error" } });
      else res.end();
    });
  });

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const path = (req.url ?? "/").split("?")[0];
    if (req.method !== "POST") return sendJson(res, 404, { error: { message: `mock: no route ${req.method} ${path}`, type: "invalid_request_error" } });
    const raw = await readBody(req);
    let body: Record<string, unknown>;
    try {
      body = JSON.parse(raw.toString("utf8")) as Record<string, unknown>;
    } catch {
      return sendJson(res, 400, { error: { message: "mock: body is not JSON", type: "invalid_request_error" } });
    }
    const n = ++seq;
    if (path.endsWith("/chat/completions")) return chatCompletions(req, res, path, body, n);
    if (path.endsWith("/responses")) return responses(req, res, path, body, n);
    return sendJson(res, 404, { error: { message: `mock: no route POST ${path}`, type: "invalid_request_error" } });
  }

  function chatCompletions(req: IncomingMessage, res: ServerResponse, path: string, body: Record<string, unknown>, n: number): void {
    const model = String(body.model ?? "mock-model");
    const messages = (body.messages as Array<Record<string, unknown>> | undefined) ?? [];
    const tools = (body.tools as Array<{ function?: { name?: string } }> | undefined) ?? [];
    const hasToolResult = messages.some((m) => m.role === "tool");
    const callTool = tools.length > 0 && !hasToolResult;
    const usage = callTool ? TOOL_CALL_USAGE : TEXT_USAGE;
    const id = `chatcmpl-mock-${n}`;
    const created = 1_760_000_000 + n;
    const toolCallId = `call_mock_${n}`;
    const toolName = tools[0]?.function?.name ?? "tool";
    const args = JSON.stringify(state.toolArguments);
    const message = callTool
      ? { role: "assistant", content: null, refusal: null, tool_calls: [{ id: toolCallId, type: "function", function: { name: toolName, arguments: args } }] }
      : { role: "assistant", content: state.answerText, refusal: null };
    const finish = callTool ? "tool_calls" : "stop";
    const usageJson = {
      prompt_tokens: usage.prompt_tokens,
      completion_tokens: usage.completion_tokens,
      total_tokens: usage.total_tokens,
      prompt_tokens_details: { cached_tokens: usage.cached_tokens, audio_tokens: 0 },
      completion_tokens_details: { reasoning_tokens: usage.reasoning_tokens, audio_tokens: 0, accepted_prediction_tokens: 0, rejected_prediction_tokens: 0 },
    };
    const response = {
      id,
      object: "chat.completion",
      created,
      model,
      system_fingerprint: "fp_mock",
      choices: [{ index: 0, message, logprobs: null, finish_reason: finish }],
      usage: usageJson,
    };
    const stream = body.stream === true;
    state.requests.push({ path, headers: req.headers, body, stream, response, answer: callTool ? "tool_call" : "text", usage, toolCallId: callTool ? toolCallId : undefined });
    if (!stream) {
      sendJson(res, 200, response);
      return;
    }

    const includeUsage = (body.stream_options as { include_usage?: boolean } | undefined)?.include_usage === true;
    const base = { id, object: "chat.completion.chunk", created, model, system_fingerprint: "fp_mock" };
    const chunks: unknown[] = [{ ...base, choices: [{ index: 0, delta: { role: "assistant", content: "" }, logprobs: null, finish_reason: null }] }];
    if (callTool) {
      chunks.push({
        ...base,
        choices: [{ index: 0, delta: { tool_calls: [{ index: 0, id: toolCallId, type: "function", function: { name: toolName, arguments: "" } }] }, logprobs: null, finish_reason: null }],
      });
      for (const piece of split(args, 3)) {
        chunks.push({ ...base, choices: [{ index: 0, delta: { tool_calls: [{ index: 0, function: { arguments: piece } }] }, logprobs: null, finish_reason: null }] });
      }
    } else {
      for (const piece of split(state.answerText, 4)) chunks.push({ ...base, choices: [{ index: 0, delta: { content: piece }, logprobs: null, finish_reason: null }] });
    }
    chunks.push({ ...base, choices: [{ index: 0, delta: {}, logprobs: null, finish_reason: finish }], ...(includeUsage ? { usage: null } : {}) });
    if (includeUsage) chunks.push({ ...base, choices: [], usage: usageJson });
    sendSse(res, chunks.map((c) => ({ data: c })), true);
  }

  function responses(req: IncomingMessage, res: ServerResponse, path: string, body: Record<string, unknown>, n: number): void {
    const model = String(body.model ?? "mock-model");
    const input = Array.isArray(body.input) ? (body.input as Array<Record<string, unknown>>) : [];
    const tools = (body.tools as Array<{ name?: string; type?: string }> | undefined) ?? [];
    const hasToolResult = input.some((m) => m.type === "function_call_output");
    const callTool = tools.length > 0 && !hasToolResult;
    const usage = callTool ? TOOL_CALL_USAGE : TEXT_USAGE;
    const id = `resp_mock_${n}`;
    const created = 1_760_000_000 + n;
    const toolCallId = `call_mock_${n}`;
    const args = JSON.stringify(state.toolArguments);
    const output = callTool
      ? [{ type: "function_call", id: `fc_mock_${n}`, call_id: toolCallId, name: tools[0]?.name ?? "tool", arguments: args, status: "completed" }]
      : [{ type: "message", id: `msg_mock_${n}`, role: "assistant", status: "completed", content: [{ type: "output_text", text: state.answerText, annotations: [] }] }];
    const usageJson = {
      input_tokens: usage.prompt_tokens,
      input_tokens_details: { cached_tokens: usage.cached_tokens },
      output_tokens: usage.completion_tokens,
      output_tokens_details: { reasoning_tokens: usage.reasoning_tokens },
      total_tokens: usage.total_tokens,
    };
    const response = {
      id,
      object: "response",
      created_at: created,
      status: "completed",
      error: null,
      incomplete_details: null,
      model,
      output,
      parallel_tool_calls: true,
      tool_choice: "auto",
      tools,
      usage: usageJson,
    };
    const stream = body.stream === true;
    state.requests.push({ path, headers: req.headers, body, stream, response, answer: callTool ? "tool_call" : "text", usage, toolCallId: callTool ? toolCallId : undefined });
    if (!stream) {
      sendJson(res, 200, response);
      return;
    }

    const events: Array<{ event: string; data: unknown }> = [];
    const inProgress = { ...response, status: "in_progress", output: [], usage: null };
    events.push({ event: "response.created", data: { type: "response.created", sequence_number: 0, response: inProgress } });
    const item = output[0] as Record<string, unknown>;
    events.push({ event: "response.output_item.added", data: { type: "response.output_item.added", output_index: 0, item: callTool ? { ...item, arguments: "" } : { ...item, content: [] } } });
    if (callTool) {
      events.push({ event: "response.function_call_arguments.delta", data: { type: "response.function_call_arguments.delta", item_id: item.id, output_index: 0, delta: args } });
      events.push({ event: "response.function_call_arguments.done", data: { type: "response.function_call_arguments.done", item_id: item.id, output_index: 0, arguments: args } });
    } else {
      for (const piece of split(state.answerText, 4)) {
        events.push({ event: "response.output_text.delta", data: { type: "response.output_text.delta", item_id: item.id, output_index: 0, content_index: 0, delta: piece } });
      }
    }
    events.push({ event: "response.output_item.done", data: { type: "response.output_item.done", output_index: 0, item } });
    events.push({ event: "response.completed", data: { type: "response.completed", response } });
    events.forEach((e, i) => {
      Object.assign(e.data as object, { sequence_number: i });
    });
    sendSse(res, events, false);
  }

  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const port = (server.address() as AddressInfo).port;
  state.url = `http://127.0.0.1:${port}`;
  state.baseURL = `${state.url}/v1`;
  state.close = () =>
    new Promise<void>((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    });
  return state;
}

function readBody(req: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => resolve(Buffer.concat(chunks)));
    req.on("error", reject);
  });
}

function sendJson(res: ServerResponse, status: number, value: unknown): void {
  const text = JSON.stringify(value);
  res.writeHead(status, { "content-type": "application/json", "content-length": Buffer.byteLength(text), "x-request-id": "req_mock" });
  res.end(text);
}

function sendSse(res: ServerResponse, events: Array<{ event?: string; data: unknown }>, done: boolean): void {
  res.writeHead(200, { "content-type": "text/event-stream", "cache-control": "no-cache", connection: "keep-alive", "x-request-id": "req_mock" });
  for (const e of events) res.write(`${e.event ? `event: ${e.event}\n` : ""}data: ${JSON.stringify(e.data)}\n\n`);
  if (done) res.write("data: [DONE]\n\n");
  res.end();
}

function split(text: string, parts: number): string[] {
  const size = Math.max(1, Math.ceil(text.length / parts));
  const out: string[] = [];
  for (let i = 0; i < text.length; i += size) out.push(text.slice(i, i + size));
  return out;
}

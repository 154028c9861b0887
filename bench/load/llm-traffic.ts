// Realistic LLM trace traffic for benchmarks and load tests, as OTLP/JSON-shaped objects (the same
// structure protobuf encoders take). Each trace is an agent run: an `invoke_agent` root, 1–3 `chat`
// calls with OTel GenAI attributes and JSON message payloads of 1–10 KB, and a tool call.
// Deterministic for a given seed, so runs are comparable.

export interface OtlpKeyValue {
  key: string;
  value: { stringValue?: string; intValue?: string; doubleValue?: number; boolValue?: boolean };
}
export interface OtlpSpanJson {
  traceId: string;
  spanId: string;
  parentSpanId?: string;
  name: string;
  kind: number;
  startTimeUnixNano: string;
  endTimeUnixNano: string;
  attributes: OtlpKeyValue[];
  status: { code: number };
}
export interface OtlpRequestJson {
  resourceSpans: Array<{
    resource: { attributes: OtlpKeyValue[] };
    scopeSpans: Array<{ scope: { name: string; version: string }; spans: OtlpSpanJson[] }>;
  }>;
}

/** Small, fast PRNG (mulberry32) so traffic is reproducible. */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const WORDS = "the model returned a summary of quarterly revenue growth customer churn analysis with tables and citations for the support ticket about billing refunds shipping delays and account access".split(" ");

function text(rand: () => number, bytes: number): string {
  const out: string[] = [];
  let n = 0;
  while (n < bytes) {
    const w = WORDS[Math.floor(rand() * WORDS.length)];
    out.push(w);
    n += w.length + 1;
  }
  return out.join(" ");
}

const hex = (rand: () => number, chars: number) => {
  let s = "";
  while (s.length < chars) s += Math.floor(rand() * 0x100000000).toString(16).padStart(8, "0");
  return s.slice(0, chars);
};

const str = (key: string, v: string): OtlpKeyValue => ({ key, value: { stringValue: v } });
const int = (key: string, v: number): OtlpKeyValue => ({ key, value: { intValue: String(v) } });

export class LlmTraffic {
  private readonly rand: () => number;
  private clockNs: bigint;
  spansMade = 0;
  payloadBytes = 0;

  constructor(seed = 42, startMs = Date.now()) {
    this.rand = prng(seed);
    this.clockNs = BigInt(startMs) * 1_000_000n;
  }

  /** One agent trace: root + chats + tool; `size` picks message payloads within 1–10 KB. */
  trace(): OtlpSpanJson[] {
    const r = this.rand;
    const traceId = hex(r, 32);
    const rootId = hex(r, 16);
    const t0 = this.clockNs;
    this.clockNs += 1_000_000n;
    const spans: OtlpSpanJson[] = [];
    const chats = 1 + Math.floor(r() * 3);
    let t = t0 + 1_000_000n;
    for (let i = 0; i < chats; i++) {
      const inBytes = 1000 + Math.floor(r() * 9000);
      const outBytes = 200 + Math.floor(r() * 2000);
      const input = JSON.stringify([
        { role: "system", parts: [{ type: "text", content: "You are a helpful support agent." }] },
        { role: "user", parts: [{ type: "text", content: text(r, inBytes) }] },
      ]);
      const output = JSON.stringify([{ role: "assistant", parts: [{ type: "text", content: text(r, outBytes) }], finish_reason: "stop" }]);
      const inputTokens = Math.round(inBytes / 4);
      const outputTokens = Math.round(outBytes / 4);
      const dur = BigInt(200 + Math.floor(r() * 2000)) * 1_000_000n;
      spans.push({
        traceId,
        spanId: hex(r, 16),
        parentSpanId: rootId,
        name: "chat gpt-4o-mini",
        kind: 3,
        startTimeUnixNano: String(t),
        endTimeUnixNano: String(t + dur),
        attributes: [
          str("gen_ai.operation.name", "chat"),
          str("gen_ai.provider.name", "openai"),
          str("gen_ai.request.model", "gpt-4o-mini"),
          str("gen_ai.response.model", "gpt-4o-mini-2024-07-18"),
          int("gen_ai.usage.input_tokens", inputTokens),
          int("gen_ai.usage.output_tokens", outputTokens),
          int("gen_ai.usage.cache_read.input_tokens", Math.floor(inputTokens / 3)),
          str("gen_ai.input.messages", input),
          str("gen_ai.output.messages", output),
          str("session.id", `session-${Math.floor(r() * 1000)}`),
          str("user.id", `user-${Math.floor(r() * 200)}`),
        ],
        status: { code: 1 },
      });
      this.payloadBytes += input.length + output.length;
      t += dur;
    }
    spans.push({
      traceId,
      spanId: hex(r, 16),
      parentSpanId: rootId,
      name: "execute_tool lookup_order",
      kind: 1,
      startTimeUnixNano: String(t),
      endTimeUnixNano: String(t + 5_000_000n),
      attributes: [str("gen_ai.operation.name", "execute_tool"), str("gen_ai.tool.name", "lookup_order"), str("gen_ai.tool.call.arguments", '{"order_id":"A-1001"}')],
      status: { code: 0 },
    });
    spans.push({
      traceId,
      spanId: rootId,
      name: "invoke_agent support",
      kind: 1,
      startTimeUnixNano: String(t0),
      endTimeUnixNano: String(t + 10_000_000n),
      attributes: [str("gen_ai.operation.name", "invoke_agent"), str("gen_ai.agent.name", "support")],
      status: { code: 0 },
    });
    this.spansMade += spans.length;
    return spans;
  }

  /** One export request of about `spanCount` spans (whole traces), as an OTel SDK batch would be. */
  request(spanCount: number, service = "bench-service"): OtlpRequestJson {
    const spans: OtlpSpanJson[] = [];
    while (spans.length < spanCount) spans.push(...this.trace());
    return {
      resourceSpans: [
        {
          resource: { attributes: [str("service.name", service), str("deployment.environment.name", "bench")] },
          scopeSpans: [{ scope: { name: "bench", version: "1.0.0" }, spans }],
        },
      ],
    };
  }
}

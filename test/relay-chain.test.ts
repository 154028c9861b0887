// Two real tracerelay processes in a chain: "edge" receives OTel GenAI spans and forwards them with its
// `otlp` destination (protobuf + gzip, GenAI semantic conventions on the way out, auth header from an
// env reference) to "hub"'s own OTLP endpoint. The hub must read back the same trace:
// kinds, model, usage, messages, session, parent links — the OTLP destination against a real OTLP
// backend (tracerelay's own, as DESIGN.md "Testing against real things" names).
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { otlpRequest, otlpSpan } from "./harness/otlp.ts";
import { newSpanId, newTraceId, startTracerelay, type Tracerelay } from "./harness/tracerelay.ts";

let hub: Tracerelay;
let edge: Tracerelay;

beforeAll(async () => {
  hub = await startTracerelay();
  edge = await startTracerelay({
    config: `
destinations:
  hub:
    type: otlp
    endpoint: ${hub.url}
    headers: { Authorization: "Bearer \${HUB_KEY}" }
    delivery:
      batch: { max_wait_ms: 50 }
`,
    env: { HUB_KEY: hub.secretKey },
  });
}, 120_000);

afterAll(async () => {
  await edge?.close();
  await hub?.close();
});

describe("tracerelay → otlp destination → tracerelay", () => {
  it("the hub reads back the edge's trace with its GenAI fields", async () => {
    const traceId = newTraceId();
    const root = newSpanId();
    const llm = newSpanId();
    const spans = [
      otlpSpan({ traceId, spanId: root, name: "answer question", attributes: { "gen_ai.operation.name": "invoke_agent", "gen_ai.conversation.id": "conv-42", "user.id": "u-7" } }),
      otlpSpan({
        traceId,
        spanId: llm,
        parentSpanId: root,
        name: "chat gpt-4o-mini",
        kind: 3,
        attributes: {
          "gen_ai.operation.name": "chat",
          "gen_ai.provider.name": "openai",
          "gen_ai.request.model": "gpt-4o-mini",
          "gen_ai.response.model": "gpt-4o-mini-2024-07-18",
          "gen_ai.usage.input_tokens": 120,
          "gen_ai.usage.output_tokens": 30,
          "gen_ai.request.temperature": 0.2,
          "gen_ai.input.messages": JSON.stringify([{ role: "user", parts: [{ type: "text", content: "Weather in Paris?" }] }]),
          "gen_ai.output.messages": JSON.stringify([{ role: "assistant", parts: [{ type: "text", content: "Sunny, 21 °C." }], finish_reason: "stop" }]),
        },
      }),
    ];
    const res = await edge.api("/v1/traces", { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(otlpRequest(spans, { "service.name": "chat-api", "deployment.environment.name": "staging" })) });
    expect(res.status).toBe(200);

    const atEdge = await edge.waitForTrace(traceId, { spans: 2 });
    const atHub = await hub.waitForTrace(traceId, { spans: 2 });
    const pick = (t: typeof atEdge, id: string) => t.spans.find((s) => s.span_id === id)!;
    for (const id of [root, llm]) {
      const e = pick(atEdge, id);
      const h = pick(atHub, id);
      for (const field of ["kind", "name", "parent_span_id", "model", "provider", "session_id", "user_id", "service_name", "environment", "status", "start_time", "end_time", "usage", "input", "output"]) {
        expect({ id, field, value: h[field] }).toEqual({ id, field, value: e[field] });
      }
    }
    expect(pick(atHub, llm)).toMatchObject({ kind: "llm", model: "gpt-4o-mini-2024-07-18", usage: { input_tokens: 120, output_tokens: 30 } });
    expect(pick(atHub, root).session_id).toBe("conv-42");

    // The edge's status API shows the hop as delivered.
    type Status = { destinations: Array<{ name: string; type: string; delivered: number; health: string }> };
    const end = Date.now() + 20_000;
    let hubStatus: Status["destinations"][number] | undefined;
    while (Date.now() < end) {
      hubStatus = (await edge.api<Status>("/api/v1/destinations")).json.destinations.find((d) => d.name === "hub");
      if ((hubStatus?.delivered ?? 0) >= 2) break;
      await new Promise((r) => setTimeout(r, 250));
    }
    expect(hubStatus).toMatchObject({ type: "otlp", delivered: 2, health: "healthy" });
  });
});

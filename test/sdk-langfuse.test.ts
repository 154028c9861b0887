// Langfuse SDKs as clients, pointed at tracerelay with the project's key pair (Basic auth):
//   1. @langfuse/tracing + @langfuse/otel (v5, OTel-based) → POST /api/public/otel/v1/traces
//   2. the legacy `langfuse` v3 package → POST /api/public/ingestion (batched create/update events)
// Each trace is read back through the API: tree, kinds, model, tokens (Langfuse's `input` bucket is
// UNCACHED input, so canonical input_tokens = input + input_cached_tokens), cost, session and user. For
// the legacy SDK, a generation sent as generation-create then generation-update must be ONE span that
// carries the create's fields and the update's usage, output and end time.
import { randomUUID } from "node:crypto";
import { LangfuseSpanProcessor } from "@langfuse/otel";
import { propagateAttributes, setLangfuseTracerProvider, startActiveObservation, startObservation } from "@langfuse/tracing";
import { NodeTracerProvider } from "@opentelemetry/sdk-trace-node";
import { Langfuse } from "langfuse";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { installContextManager, microIso } from "./harness/otel.ts";
import { spanByName, startTracerelay, type Tracerelay, type TraceView } from "./harness/tracerelay.ts";

const QUESTION = "Where is my order A-1?";
const ANSWER = "Your order A-1 has shipped and arrives Tuesday.";

let tr: Tracerelay;

beforeAll(async () => {
  installContextManager();
  tr = await startTracerelay();
});

afterAll(async () => {
  setLangfuseTracerProvider(null);
  await tr?.close();
});

describe("@langfuse/tracing + @langfuse/otel (LangfuseSpanProcessor) → /api/public/otel/v1/traces", () => {
  it("agent → generation + tool observations arrive with kinds, usage buckets, cost, session and user", async () => {
    const session = `sess-lf-otel-${Date.now()}`;
    const user = "user-lf-otel";
    const processor = new LangfuseSpanProcessor({
      publicKey: tr.publicKey,
      secretKey: tr.secretKey,
      baseUrl: tr.url,
      exportMode: "immediate",
      environment: "e2e-env",
      release: "rel-42",
    });
    const provider = new NodeTracerProvider({ spanProcessors: [processor] });
    setLangfuseTracerProvider(provider);

    const ids = await propagateAttributes({ sessionId: session, userId: user, tags: ["e2e", "langfuse"], traceName: "lf-otel-support" }, () =>
      startActiveObservation(
        "support-agent",
        async (agent) => {
          agent.update({ input: { question: QUESTION } });
          const gen = startObservation(
            "llm-call",
            {
              model: "gpt-4o",
              input: [
                { role: "system", content: "You are a support agent." },
                { role: "user", content: QUESTION },
              ],
              modelParameters: { temperature: 0.3, max_tokens: 300 },
            },
            { asType: "generation" },
          );
          gen.update({
            output: { role: "assistant", content: ANSWER },
            usageDetails: { input: 80, input_cached_tokens: 20, output: 25, total: 125 },
            costDetails: { input: 0.0002, output: 0.0005, total: 0.0007 },
          });
          gen.end();
          const tool = startObservation("lookup-order", { input: { orderId: "A-1" } }, { asType: "tool" });
          tool.update({ output: { status: "shipped" } });
          tool.end();
          agent.update({ output: { answer: ANSWER } });
          return { traceId: agent.traceId, agentId: agent.id, genId: gen.id, toolId: tool.id };
        },
        { asType: "agent" },
      ),
    );
    await provider.forceFlush();
    await provider.shutdown();

    const t = await tr.waitForTrace(ids.traceId, { spans: 3 });
    expect(t.spans).toHaveLength(3);
    const agent = spanByName(t, "support-agent");
    const gen = spanByName(t, "llm-call");
    const tool = spanByName(t, "lookup-order");

    // OTel ids pass through unchanged.
    expect(agent.span_id).toBe(ids.agentId);
    expect(gen.span_id).toBe(ids.genId);
    expect(tool.span_id).toBe(ids.toolId);
    expect(agent.parent_span_id ?? null).toBeNull();
    expect(gen.parent_span_id).toBe(ids.agentId);
    expect(tool.parent_span_id).toBe(ids.agentId);

    expect(agent.kind).toBe("agent");
    expect(gen.kind).toBe("llm");
    expect(tool.kind).toBe("tool");
    expect(gen.source?.convention).toBe("langfuse");

    expect(gen.model).toBe("gpt-4o");
    expect(gen.model_parameters).toMatchObject({ temperature: 0.3, max_tokens: 300 });
    // Langfuse buckets do not overlap: input (uncached) + input_cached_tokens = all input.
    expect(gen.usage).toMatchObject({ input_tokens: 100, output_tokens: 25, total_tokens: 125, cache_read_tokens: 20 });
    expect(gen.cost).toMatchObject({ source: "reported" });
    expect((gen.cost as { total_usd: number }).total_usd).toBeCloseTo(0.0007, 10);

    expect(Array.isArray(gen.input)).toBe(true);
    expect((gen.input as Array<{ role: string; content: string }>).map((m) => m.role)).toEqual(["system", "user"]);
    expect(JSON.stringify(gen.output)).toContain(ANSWER);
    expect(JSON.stringify(tool.input)).toContain("A-1");
    expect(JSON.stringify(tool.output)).toContain("shipped");
    expect(JSON.stringify(agent.input)).toContain(QUESTION);

    // propagateAttributes puts session/user/tags on every observation.
    for (const s of t.spans) {
      expect(s.session_id).toBe(session);
      expect(s.user_id).toBe(user);
      expect(s.tags).toEqual(expect.arrayContaining(["e2e", "langfuse"]));
      expect(s.environment).toBe("e2e-env");
      expect(s.release).toBe("rel-42");
    }
    expect(t.session_id).toBe(session);
    expect(t.user_id).toBe(user);
    // The trace's name is its root span's (explorer contract); Langfuse's trace name stays in attributes.
    expect(t.name).toBe("support-agent");
    expect(agent.attributes?.["langfuse.trace.name"]).toBe("lf-otel-support");
    expect(t.total_input_tokens).toBe(100);
    expect(t.total_output_tokens).toBe(25);
    expect(t.total_cost_usd).toBeCloseTo(0.0007, 10);
  });
});

describe("legacy langfuse v3 SDK → /api/public/ingestion", () => {
  it("trace + span + generation; generation-create and generation-update become ONE span with the update's values", async () => {
    const session = `sess-lf-legacy-${Date.now()}`;
    const user = "user-lf-legacy";
    const errors: unknown[] = [];
    const lf = new Langfuse({ publicKey: tr.publicKey, secretKey: tr.secretKey, baseUrl: tr.url, flushAt: 1, flushInterval: 50, requestTimeout: 10_000 });
    lf.on("error", (err: unknown) => errors.push(err));

    const traceUuid = randomUUID();
    const t0 = Date.now() - 3_000;
    const trace = lf.trace({ id: traceUuid, name: "legacy-chat", sessionId: session, userId: user, input: { question: QUESTION }, tags: ["legacy"] });
    const span = trace.span({ name: "retrieve-context", input: { query: "order A-1" }, startTime: new Date(t0) });
    const gen = span.generation({
      name: "answer",
      model: "gpt-4o-mini",
      modelParameters: { temperature: 0.1 },
      input: [{ role: "user", content: QUESTION }],
      startTime: new Date(t0 + 100),
    });
    // The create events go out on their own first (as in a real app, the call takes a while)…
    await lf.flushAsync();
    // …then the update with the usage, output and end time.
    const endBefore = Date.now();
    gen.end({ output: { role: "assistant", content: ANSWER }, usageDetails: { input: 200, output: 40, total: 240 } });
    const endAfter = Date.now();
    span.end({ output: { documents: 2 } });
    trace.update({ output: { answer: ANSWER } });
    await lf.flushAsync();
    await lf.shutdownAsync();
    expect(errors).toEqual([]);

    const traceId = traceUuid.replaceAll("-", "");
    const merged = (tv: TraceView) => tv.spans.some((s) => s.name === "answer" && s.usage?.output_tokens === 40 && s.end_time);
    const t = await tr.waitForTrace(traceId, { spans: 2, until: merged });
    expect(t.trace_id).toBe(traceId);

    // ONE span per observation, never a create-only and an update-only copy.
    expect(t.spans.filter((s) => s.name === "answer")).toHaveLength(1);
    expect(t.spans.filter((s) => s.name === "retrieve-context")).toHaveLength(1);
    const answer = spanByName(t, "answer");
    const retrieve = spanByName(t, "retrieve-context");
    // Every span in the trace is one of ours (plus, at most, a root made from trace-create).
    expect(t.spans.every((s) => ["answer", "retrieve-context", "legacy-chat"].includes(s.name))).toBe(true);

    // The create's fields survive the update…
    expect(answer.kind).toBe("llm");
    expect(answer.model).toBe("gpt-4o-mini");
    expect(answer.model_parameters).toMatchObject({ temperature: 0.1 });
    expect(JSON.stringify(answer.input)).toContain(QUESTION);
    expect(answer.start_time).toBe(microIso(t0 + 100));
    // …and the update's values are there.
    expect(answer.usage).toMatchObject({ input_tokens: 200, output_tokens: 40, total_tokens: 240 });
    expect(JSON.stringify(answer.output)).toContain(ANSWER);
    const endMs = Date.parse(answer.end_time as string);
    expect(endMs).toBeGreaterThanOrEqual(endBefore);
    expect(endMs).toBeLessThanOrEqual(endAfter + 1);
    expect(JSON.stringify(retrieve.output)).toContain("documents");

    // Tree: generation under its span; the span is a root or hangs under the trace's own root.
    expect(answer.parent_span_id).toBe(retrieve.span_id);
    const root = t.spans.find((s) => s.name === "legacy-chat");
    expect(retrieve.parent_span_id ?? null).toBe(root ? root.span_id : null);
    expect(retrieve.kind).toBe("custom");

    // Original Langfuse ids are kept so vendor destinations can reuse them.
    expect(Object.values(answer.attributes ?? {})).toContain(gen.id);
    expect(Object.values(retrieve.attributes ?? {})).toContain(span.id);

    // Trace-level context from trace-create.
    expect(t.session_id).toBe(session);
    expect(t.user_id).toBe(user);
    expect(t.name).toBe("legacy-chat");
    expect(t.total_input_tokens).toBe(200);
    expect(t.total_output_tokens).toBe(40);
  });
});

describe("Langfuse ingestion order traps (raw batches, as the legacy SDK can send them)", () => {
  it("generation-update arriving BEFORE its generation-create, and trace-create sent twice, still make one span each", async () => {
    const traceUuid = randomUUID();
    const genUuid = randomUUID();
    const t0 = Date.now() - 4_000;
    const iso = (ms: number) => new Date(ms).toISOString();
    const send = async (batch: unknown[]) => {
      const res = await tr.api<{ successes: unknown[]; errors: unknown[] }>("/api/public/ingestion", {
        method: "POST",
        headers: { "content-type": "application/json", ...tr.basicAuthHeaders() },
        body: JSON.stringify({ batch }),
      });
      expect(res.status, res.text).toBe(207);
      expect(res.json.errors).toEqual([]);
    };
    const traceCreate = (name: string) => ({ id: randomUUID(), type: "trace-create", timestamp: iso(t0), body: { id: traceUuid, name, sessionId: "sess-order", userId: "user-order" } });
    // 1st request: the update only (usage, output, end time)
    await send([
      {
        id: randomUUID(),
        type: "generation-update",
        timestamp: iso(t0 + 900),
        body: { id: genUuid, traceId: traceUuid, endTime: iso(t0 + 900), output: { content: ANSWER }, usageDetails: { input: 70, output: 9, total: 79 } },
      },
    ]);
    // 2nd request: trace-create twice and the generation-create
    await send([
      traceCreate("order-trap"),
      { id: randomUUID(), type: "generation-create", timestamp: iso(t0 + 100), body: { id: genUuid, traceId: traceUuid, name: "late-create", model: "gpt-4o", startTime: iso(t0 + 100), input: [{ role: "user", content: QUESTION }] } },
      traceCreate("order-trap"),
    ]);

    const traceId = traceUuid.replaceAll("-", "");
    const t = await tr.waitForTrace(traceId, { spans: 2, until: (tv) => tv.spans.some((s) => s.name === "late-create" && s.usage?.output_tokens === 9) });
    expect(t.spans).toHaveLength(2);
    const gen = spanByName(t, "late-create");
    const root = spanByName(t, "order-trap");
    expect(gen.kind).toBe("llm");
    expect(gen.model).toBe("gpt-4o");
    expect(gen.parent_span_id).toBe(root.span_id);
    expect(gen.usage).toMatchObject({ input_tokens: 70, output_tokens: 9, total_tokens: 79 });
    expect(gen.start_time).toBe(microIso(t0 + 100));
    expect(gen.end_time).toBe(microIso(t0 + 900));
    expect(JSON.stringify(gen.output)).toContain(ANSWER);
    expect(JSON.stringify(gen.input)).toContain(QUESTION);
    expect(t.session_id).toBe("sess-order");
    expect(t.total_input_tokens).toBe(70);
  });
});

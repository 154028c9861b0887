import { describe, expect, it } from "vitest";
import { detectConventions } from "./detect.ts";

describe("detectConventions", () => {
  it("orders every convention a span carries by priority", () => {
    const attrs = {
      "langfuse.observation.type": "generation",
      "openinference.span.kind": "LLM",
      "ai.operationId": "ai.generateText.doGenerate",
      "traceloop.workflow.name": "w",
      "gen_ai.request.model": "m",
    };
    expect(detectConventions(attrs, "")).toEqual({
      primary: "langfuse",
      order: ["langfuse", "openinference", "vercel_ai", "openllmetry", "gen_ai"],
    });
  });

  it("ranks propagated trace-level langfuse keys last", () => {
    const d = detectConventions({ "openinference.span.kind": "LLM", "langfuse.trace.tags": ["a"] }, "");
    expect(d).toEqual({ primary: "openinference", order: ["openinference", "langfuse"] });
  });

  it("recognises conventions by instrumentation scope", () => {
    expect(detectConventions({}, "langfuse-sdk").primary).toBe("langfuse");
    expect(detectConventions({}, "ai").primary).toBe("vercel_ai");
    expect(detectConventions({ "gen_ai.operation.name": "chat" }, "gen_ai").order).toEqual(["vercel_ai", "gen_ai"]);
    expect(detectConventions({ "gen_ai.operation.name": "chat" }, "@traceloop/instrumentation-openai").order).toEqual([
      "openllmetry",
      "gen_ai",
    ]);
  });

  it("sees Vercel v7 step spans and OpenLLMetry legacy keys", () => {
    expect(detectConventions({ "gen_ai.operation.name": "agent_step" }, "my-tracer").primary).toBe("vercel_ai");
    expect(detectConventions({ "gen_ai.prompt.0.role": "user" }, "").primary).toBe("openllmetry");
    expect(detectConventions({ "llm.request.type": "chat" }, "").primary).toBe("openllmetry");
  });

  it("does not mistake gen_ai.prompt.name for an OpenLLMetry indexed message", () => {
    expect(detectConventions({ "gen_ai.prompt.name": "p", "gen_ai.prompt": "x" }, "")).toEqual({
      primary: "gen_ai",
      order: ["gen_ai"],
    });
  });

  it("returns no convention for a plain span", () => {
    expect(detectConventions({ "http.request.method": "GET" }, "@opentelemetry/instrumentation-http")).toEqual({
      primary: null,
      order: [],
    });
  });
});

// Format-level behaviour of normalizeOtlp that the golden folders do not isolate: schema limits,
// rejections, priced overrides, events.
import { describe, expect, it } from "vitest";
import { validateSpan } from "../../../lib/span/validate.ts";
import type { OtlpExportRequest, OtlpSpan } from "../otlp/types.ts";
import { normalizeOtlp } from "./otlp.ts";

const START = 1760000000000000000n;

function request(spans: Partial<OtlpSpan>[], resource: Record<string, string> = {}): OtlpExportRequest {
  return {
    resourceSpans: [
      {
        resource: { attributes: resource },
        scopeSpans: [
          {
            scope: { name: "", version: "", attributes: {} },
            spans: spans.map((s, i) => ({
              traceId: "5b8efff798038103d269b633813fc60c",
              spanId: (i + 1).toString(16).padStart(16, "0"),
              parentSpanId: "",
              name: "s",
              kind: 0,
              startTimeUnixNano: START,
              endTimeUnixNano: START + 1_000_000n,
              attributes: {},
              events: [],
              status: { code: 0, message: "" },
              ...s,
            })),
          },
        ],
      },
    ],
  };
}

const ctx = { projectId: "p", format: "otlp" } as const;

describe("normalizeOtlp", () => {
  it("truncates bounded strings instead of failing the span", () => {
    const { spans } = normalizeOtlp(
      request([
        {
          name: "n".repeat(1500),
          attributes: {
            "session.id": "s".repeat(900),
            "tag.tags": Array.from({ length: 120 }, (_, i) => `t${i}`.padEnd(250, "x")),
            "gen_ai.request.model": "m".repeat(300),
            "gen_ai.provider.name": "p".repeat(150),
          },
        },
      ]),
      ctx,
    );
    const span = spans[0];
    expect(span.name).toHaveLength(1000);
    expect(span.session_id).toHaveLength(800);
    expect(span.tags).toHaveLength(100);
    expect(span.tags?.[0]).toHaveLength(200);
    expect(span.model).toHaveLength(200);
    expect(span.provider).toHaveLength(100);
    expect(validateSpan(span)).toMatchObject({ ok: true });
  });

  it("rejects times that cannot be written as RFC 3339 and reports the index and span id", () => {
    const { spans, rejected } = normalizeOtlp(
      request([{}, { startTimeUnixNano: 10n ** 22n }, { spanId: "" }, { traceId: "abc" }]),
      ctx,
    );
    expect(spans).toHaveLength(1);
    expect(rejected).toEqual([
      { index: 1, spanId: "0000000000000002", reason: "start_time_unix_nano 10000000000000000000000 is out of range" },
      { index: 2, reason: "missing span_id" },
      { index: 3, spanId: "0000000000000004", reason: 'invalid trace_id "abc": must be 32 hex digits, not all zero' },
    ]);
  });

  it("dates an event without a time at the span start and keeps its structured attributes", () => {
    const { spans } = normalizeOtlp(
      request([{ events: [{ name: "e", timeUnixNano: null, attributes: { k: { nested: [1] } } }] }]),
      ctx,
    );
    expect(spans[0].events).toEqual([{ name: "e", time: "2025-10-09T08:53:20.000000Z", attributes: { k: { nested: [1] } } }]);
  });

  it("prices with configured overrides before the package, and keeps a reported cost", () => {
    const usage = { "gen_ai.usage.input_tokens": 1000, "gen_ai.usage.output_tokens": 100 };
    const { spans } = normalizeOtlp(
      request([
        { attributes: { "gen_ai.operation.name": "chat", "gen_ai.request.model": "acme-ft-1", ...usage } },
        { attributes: { "gen_ai.operation.name": "chat", "gen_ai.request.model": "acme-ft-1", "gen_ai.usage.cost": 0.5, ...usage } },
        { attributes: { "gen_ai.operation.name": "chat", "gen_ai.request.model": "unknown-model-x", ...usage } },
      ]),
      { ...ctx, priceOverrides: { "acme-ft-1": { input_per_mtok: 2, output_per_mtok: 10 } } },
    );
    expect(spans[0].cost).toEqual({ input_usd: 0.002, output_usd: 0.001, total_usd: 0.003, source: "computed" });
    expect(spans[1].cost).toEqual({ total_usd: 0.5, source: "reported" });
    expect(spans[2].cost).toBeUndefined();
  });

  it("takes environment and release from the resource, span keys first", () => {
    const { spans } = normalizeOtlp(
      request(
        [{}, { attributes: { "deployment.environment.name": "canary", "langfuse.release": "r9" } }],
        { "deployment.environment": "prod", "service.version": "1.0.0", "service.name": "svc" },
      ),
      ctx,
    );
    expect(spans.map((s) => [s.environment, s.release, s.service_name])).toEqual([
      ["prod", "1.0.0", "svc"],
      ["canary", "r9", "svc"],
    ]);
  });
});

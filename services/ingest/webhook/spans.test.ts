// Webhook bodies → canonical span envelopes: the three accepted shapes, forced project/source, per-item
// errors with JSON paths, lenient times.
import { describe, expect, it } from "vitest";
import { TracerelayError } from "../../../lib/errors.ts";
import type { CanonicalSpan } from "../../../lib/span/types.ts";
import { parseWebhookSpans } from "./spans.ts";

const ctx = { projectId: "proj-hook" };

const span = (overrides: Record<string, unknown> = {}): Record<string, unknown> => ({
  schema_version: 1,
  trace_id: "4bf92f3577b34da6a3ce929d0e0e4736",
  span_id: "00f067aa0ba902b7",
  project_id: "proj-hook",
  name: "classify",
  kind: "llm",
  start_time: "2026-01-01T10:00:00.000000Z",
  status: "ok",
  source: { format: "webhook" },
  ...overrides,
});

describe("parseWebhookSpans", () => {
  it("accepts one span object", () => {
    expect(parseWebhookSpans(span(), ctx)).toEqual({ envelopes: [{ span: span() }], errors: [] });
  });

  it("accepts {spans: [...]} and a bare array, reporting bad items by index", () => {
    const items = [span(), span({ span_id: "nothex" }), "junk", span({ span_id: "1111111111111111" })];
    const expected = {
      envelopes: [{ span: span() }, { span: span({ span_id: "1111111111111111" }) }],
      errors: [
        { index: 1, errors: ['/span_id must match pattern "^[0-9a-f]{16}$"'] },
        { index: 2, errors: ["/ must be an object (a canonical span)"] },
      ],
    };
    expect(parseWebhookSpans({ spans: items }, ctx)).toEqual(expected);
    expect(parseWebhookSpans(items, ctx)).toEqual(expected);
  });

  it("forces the caller's project and source.format webhook, keeping the convention", () => {
    const { envelopes } = parseWebhookSpans(span({ project_id: "someone-else", source: { format: "otlp", convention: "gen_ai" } }), ctx);
    expect(envelopes[0].span).toMatchObject({ project_id: "proj-hook", source: { format: "webhook", convention: "gen_ai" } });
    const noSource = { ...span() };
    delete noSource.source;
    delete noSource.project_id;
    expect(parseWebhookSpans(noSource, ctx).envelopes[0].span).toMatchObject({ project_id: "proj-hook", source: { format: "webhook" } });
  });

  it("names every problem of a span with its JSON path", () => {
    const { errors, envelopes } = parseWebhookSpans(span({ kind: "robot", usage: { input_tokens: -1 }, extra: true }), ctx);
    expect(envelopes).toEqual([]);
    expect(errors).toEqual([
      {
        index: 0,
        errors: [
          "/ must NOT have additional properties",
          "/kind must be equal to one of the allowed values",
          "/usage/input_tokens must be >= 0",
        ],
      },
    ]);
  });

  it("normalizes ISO times with offsets and epoch millis, and derives duration_ms", () => {
    const { envelopes, errors } = parseWebhookSpans(
      span({
        start_time: "2026-01-01T11:00:00+01:00",
        end_time: Date.parse("2026-01-01T10:00:01.5Z"),
        events: [{ name: "retry", time: "2026-01-01T10:00:01Z" }],
      }),
      ctx,
    );
    expect(errors).toEqual([]);
    expect(envelopes[0].span).toMatchObject({
      start_time: "2026-01-01T10:00:00.000000Z",
      end_time: "2026-01-01T10:00:01.500000Z",
      duration_ms: 1500,
      events: [{ name: "retry", time: "2026-01-01T10:00:01.000000Z" }],
    } satisfies Partial<CanonicalSpan>);
  });

  it("reports a time it cannot read instead of guessing", () => {
    expect(parseWebhookSpans(span({ start_time: "last tuesday" }), ctx).errors).toEqual([
      { index: 0, errors: ['/start_time must match pattern "^\\d{4}-\\d{2}-\\d{2}T\\d{2}:\\d{2}:\\d{2}\\.\\d{6}Z$"'] },
    ]);
  });

  it.each([
    ["a number", 42, "the body must be a canonical span, an array of spans or {\"spans\": [...]}"],
    ["null", null, "the body must be a canonical span, an array of spans or {\"spans\": [...]}"],
    ["spans that is not an array", { spans: {} }, "/spans must be an array of canonical spans"],
  ])("refuses %s as a whole (TR_SPANS_INVALID)", (_label, body, message) => {
    let thrown: unknown;
    try {
      parseWebhookSpans(body, ctx);
    } catch (err) {
      thrown = err;
    }
    expect(thrown).toBeInstanceOf(TracerelayError);
    expect({ code: (thrown as TracerelayError).code, message: (thrown as TracerelayError).message }).toEqual({ code: "TR_SPANS_INVALID", message });
  });

  it("an empty list is no error and no span", () => {
    expect(parseWebhookSpans({ spans: [] }, ctx)).toEqual({ envelopes: [], errors: [] });
  });
});

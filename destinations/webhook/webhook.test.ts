import { describe, expect, it } from "vitest";
import { makeSpan } from "../../lib/store/testing.ts";
import { SIGNATURE_HEADER, TIMESTAMP_HEADER, verifyWebhookSignature } from "../../services/ingest/webhook/verify.ts";
import { DeliveryConfigError, MappingError } from "../_delivery/index.ts";
import { destinationComplianceSuite } from "../_testkit/compliance.ts";
import type { ReceivedRequest } from "../_testkit/contract-server.ts";
import { idempotencyKey, mapWebhook, parseWebhookConfig, webhookAdapter } from "./index.ts";

const SECRET = "whsec_0123456789abcdef";

/** The receiving side: verifies the signature exactly as tracerelay's inbound webhooks do. */
function decodeVerified(req: ReceivedRequest) {
  const verdict = verifyWebhookSignature({
    secret: SECRET,
    timestampHeader: req.headers[TIMESTAMP_HEADER.toLowerCase()] as string,
    signatureHeader: req.headers[SIGNATURE_HEADER.toLowerCase()] as string,
    rawBody: req.body,
    nowMs: req.at,
  });
  expect(verdict).toEqual({ ok: true });
  expect(req.method).toBe("POST");
  expect(req.headers["content-type"]).toBe("application/json");
  const body = JSON.parse(req.body.toString("utf8")) as { spans: Array<{ span_id: string }> };
  return { spanIds: body.spans.map((s) => s.span_id), idempotencyKey: req.headers["idempotency-key"] as string };
}

destinationComplianceSuite("webhook", (server) => ({
  adapter: webhookAdapter("webhook", { url: `${server.url}/hooks/traces`, secret: SECRET, headers: { "x-extra": "1" } }),
  decode: decodeVerified,
}));

describe("webhook mapper", () => {
  const a = makeSpan({ trace_id: "a".repeat(32), span_id: "1".repeat(16), project_id: "p" });
  const b = makeSpan({ trace_id: "a".repeat(32), span_id: "2".repeat(16), project_id: "p" });

  it("emits { spans: [...] } with the canonical spans as they are", () => {
    expect(JSON.parse(mapWebhook([a, b]).body.toString())).toEqual({ spans: [a, b] });
    expect(mapWebhook([a, b]).body.toString()).toBe(JSON.stringify({ spans: [a, b] }));
  });

  it("derives the idempotency key from span identities only", () => {
    expect(idempotencyKey([a, b])).toBe(idempotencyKey([b, a]));
    expect(idempotencyKey([a, { ...b, name: "renamed" }])).toBe(idempotencyKey([a, b]));
    expect(idempotencyKey([a])).not.toBe(idempotencyKey([a, b]));
    // trace_id is part of the identity: the same span_id in another trace is another span
    expect(idempotencyKey([a])).not.toBe(idempotencyKey([{ ...a, trace_id: "b".repeat(32) }]));
  });

  it("throws a MappingError for a span that is not JSON", () => {
    const bad = { ...a, attributes: { n: 1n } } as unknown as typeof a;
    expect(() => mapWebhook([bad])).toThrow(MappingError);
  });
});

describe("webhook config", () => {
  it("applies the delivery defaults and parses the retry window", () => {
    const c = parseWebhookConfig({ url: "https://example.test/h", secret: SECRET, delivery: { retry: { window: "15m" } } });
    expect(c.delivery.retry.window_ms).toBe(15 * 60_000);
    expect(c.delivery.batch.max_bytes).toBe(5_000_000);
    expect(c.headers).toEqual({});
  });

  it("reports every problem at once, and never echoes the secret", () => {
    let err: unknown;
    try {
      parseWebhookConfig({ url: "ftp://x", secret: "short", colour: "blue", delivery: { batch: { max_spans: 0 } } });
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(DeliveryConfigError);
    const problems = (err as DeliveryConfigError).problems;
    expect(problems.length).toBeGreaterThanOrEqual(4);
    expect(problems.join("\n")).not.toContain("short");
    expect((err as DeliveryConfigError).code).toBe("TR_DELIVERY_CONFIG");
  });
});

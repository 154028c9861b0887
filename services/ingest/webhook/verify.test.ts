// Webhook signatures: good, bad and expired, each refusal checked by its stable code and sentence.
import { createHmac } from "node:crypto";
import { describe, expect, it } from "vitest";
import { signWebhook, verifyWebhookSignature, type WebhookVerifyInput } from "./verify.ts";

const SECRET = "whsec_test_123";
const NOW_SEC = 1_767_261_600; // 2026-01-01T10:00:00Z
const BODY = '{"spans":[{"name":"x"}]}';

function signed(overrides: Partial<WebhookVerifyInput> = {}): WebhookVerifyInput {
  const { timestamp, signature } = signWebhook(SECRET, BODY, NOW_SEC);
  return { secret: SECRET, timestampHeader: timestamp, signatureHeader: signature, rawBody: BODY, nowMs: NOW_SEC * 1000, ...overrides };
}

describe("signWebhook", () => {
  it("is HMAC-SHA256(secret, timestamp + '.' + body) in hex, with both headers", () => {
    const expected = createHmac("sha256", SECRET).update(`${NOW_SEC}.${BODY}`).digest("hex");
    expect(signWebhook(SECRET, BODY, NOW_SEC)).toEqual({
      timestamp: String(NOW_SEC),
      signature: `sha256=${expected}`,
      headers: { "X-Tracerelay-Timestamp": String(NOW_SEC), "X-Tracerelay-Signature": `sha256=${expected}` },
    });
  });

  it("signs bytes and strings alike, and whole seconds", () => {
    expect(signWebhook(SECRET, Buffer.from(BODY), NOW_SEC + 0.9)).toEqual(signWebhook(SECRET, BODY, NOW_SEC));
  });
});

describe("verifyWebhookSignature", () => {
  it("accepts a correct signature over a string or raw bytes", () => {
    expect(verifyWebhookSignature(signed())).toEqual({ ok: true });
    expect(verifyWebhookSignature(signed({ rawBody: Buffer.from(BODY) }))).toEqual({ ok: true });
    expect(verifyWebhookSignature(signed({ rawBody: new Uint8Array(Buffer.from(BODY)) }))).toEqual({ ok: true });
  });

  it("accepts timestamps inside the window, both ways, up to its edge", () => {
    expect(verifyWebhookSignature(signed({ nowMs: (NOW_SEC + 300) * 1000 + 999 }))).toEqual({ ok: true });
    expect(verifyWebhookSignature(signed({ nowMs: (NOW_SEC - 300) * 1000 }))).toEqual({ ok: true });
  });

  it("accepts any one of several signatures (secret rotation) and uppercase hex", () => {
    const { signature } = signWebhook(SECRET, BODY, NOW_SEC);
    const old = signWebhook("old-secret", BODY, NOW_SEC).signature;
    expect(verifyWebhookSignature(signed({ signatureHeader: `${old}, ${signature}` }))).toEqual({ ok: true });
    expect(verifyWebhookSignature(signed({ signatureHeader: `sha256=${signature.slice(7).toUpperCase()}` }))).toEqual({ ok: true });
  });

  it.each([
    ["missing timestamp", { timestampHeader: undefined }, "missing_timestamp", "missing X-Tracerelay-Timestamp header (unix seconds)"],
    ["empty timestamp", { timestampHeader: "  " }, "missing_timestamp", "missing X-Tracerelay-Timestamp header (unix seconds)"],
    ["missing signature", { signatureHeader: null }, "missing_signature", "missing X-Tracerelay-Signature header (sha256=<hex HMAC>)"],
    ["timestamp not a number", { timestampHeader: "yesterday" }, "malformed_timestamp", 'X-Tracerelay-Timestamp must be unix seconds, got "yesterday"'],
    [
      "timestamp in milliseconds",
      { timestampHeader: String(NOW_SEC * 1000) },
      "malformed_timestamp",
      `X-Tracerelay-Timestamp must be unix seconds, got "${NOW_SEC * 1000}" (it looks like milliseconds)`,
    ],
    ["expired", { nowMs: (NOW_SEC + 301) * 1000 }, "expired_timestamp", "X-Tracerelay-Timestamp is 301 s old; at most 300 s is accepted"],
    ["from the future", { nowMs: (NOW_SEC - 301) * 1000 }, "future_timestamp", "X-Tracerelay-Timestamp is 301 s in the future; at most 300 s is accepted"],
    ["custom tolerance", { nowMs: (NOW_SEC + 61) * 1000, toleranceSec: 60 }, "expired_timestamp", "X-Tracerelay-Timestamp is 61 s old; at most 60 s is accepted"],
    ["no sha256= prefix", { signatureHeader: "a".repeat(64) }, "malformed_signature", "X-Tracerelay-Signature must be sha256=<64 hex digits> (comma-separated for several)"],
    ["short hex", { signatureHeader: "sha256=abc" }, "malformed_signature", "X-Tracerelay-Signature must be sha256=<64 hex digits> (comma-separated for several)"],
    ["wrong secret", { secret: "other" }, "signature_mismatch", "X-Tracerelay-Signature does not match the body and timestamp for this source's secret"],
    ["tampered body", { rawBody: BODY.replace("x", "y") }, "signature_mismatch", "X-Tracerelay-Signature does not match the body and timestamp for this source's secret"],
    ["body re-serialized", { rawBody: JSON.stringify(JSON.parse(BODY), null, 1) }, "signature_mismatch", "X-Tracerelay-Signature does not match the body and timestamp for this source's secret"],
  ] as const)("refuses %s", (_label, overrides, code, reason) => {
    expect(verifyWebhookSignature(signed(overrides as Partial<WebhookVerifyInput>))).toEqual({ ok: false, code, reason });
  });

  it("a signature made for another timestamp does not match (the timestamp is signed)", () => {
    const { signature } = signWebhook(SECRET, BODY, NOW_SEC - 10);
    expect(verifyWebhookSignature(signed({ signatureHeader: signature }))).toMatchObject({ ok: false, code: "signature_mismatch" });
  });
});

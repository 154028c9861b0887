// Signed webhooks (DESIGN.md, `POST /v1/webhooks/:source`; the outbound webhook destination signs the same way):
//   X-Tracerelay-Timestamp: <unix seconds>
//   X-Tracerelay-Signature: sha256=<hex HMAC-SHA256(secret, timestamp + "." + raw body)>
// The timestamp is signed with the body, so a captured request cannot be replayed outside the tolerance
// window (default 300 s either way). Comparison is constant-time. The signature header may list several
// signatures separated by commas (`sha256=…,sha256=…`), so a sender can sign with an old and a new secret
// while the secret rotates; one match is enough. Every refusal has a stable code and a sentence saying why.
import { createHmac, timingSafeEqual } from "node:crypto";

export const TIMESTAMP_HEADER = "X-Tracerelay-Timestamp";
export const SIGNATURE_HEADER = "X-Tracerelay-Signature";
export const DEFAULT_TOLERANCE_SEC = 300;

const SIGNATURE_PREFIX = "sha256=";
const HEX_SHA256 = /^[0-9a-f]{64}$/i;
const UNIX_SECONDS = /^\d{1,11}$/;

export type WebhookBody = string | Uint8Array;

export interface WebhookVerifyInput {
  secret: string;
  timestampHeader: string | null | undefined;
  signatureHeader: string | null | undefined;
  /** The body exactly as received (bytes, before any JSON parsing). */
  rawBody: WebhookBody;
  nowMs: number;
  toleranceSec?: number;
}

export type WebhookRefusalCode =
  | "missing_timestamp"
  | "missing_signature"
  | "malformed_timestamp"
  | "malformed_signature"
  | "expired_timestamp"
  | "future_timestamp"
  | "signature_mismatch";

export type WebhookVerification = { ok: true } | { ok: false; code: WebhookRefusalCode; reason: string };

export interface WebhookSignature {
  timestamp: string;
  signature: string;
  headers: Record<typeof TIMESTAMP_HEADER | typeof SIGNATURE_HEADER, string>;
}

function hmacHex(secret: string, timestamp: string, body: WebhookBody): string {
  return createHmac("sha256", secret).update(`${timestamp}.`).update(body).digest("hex");
}

/** Signs `body` at `nowSec` (unix seconds): for tests and for the outbound webhook destination. */
export function signWebhook(secret: string, body: WebhookBody, nowSec: number): WebhookSignature {
  const timestamp = String(Math.floor(nowSec));
  const signature = `${SIGNATURE_PREFIX}${hmacHex(secret, timestamp, body)}`;
  return { timestamp, signature, headers: { [TIMESTAMP_HEADER]: timestamp, [SIGNATURE_HEADER]: signature } };
}

const refuse = (code: WebhookRefusalCode, reason: string): WebhookVerification => ({ ok: false, code, reason });

export function verifyWebhookSignature(input: WebhookVerifyInput): WebhookVerification {
  const { secret, rawBody, nowMs, toleranceSec = DEFAULT_TOLERANCE_SEC } = input;
  const timestamp = input.timestampHeader?.trim();
  const signatureHeader = input.signatureHeader?.trim();
  if (!timestamp) return refuse("missing_timestamp", `missing ${TIMESTAMP_HEADER} header (unix seconds)`);
  if (!signatureHeader) return refuse("missing_signature", `missing ${SIGNATURE_HEADER} header (sha256=<hex HMAC>)`);

  if (!UNIX_SECONDS.test(timestamp)) {
    const hint = /^\d{12,}$/.test(timestamp) ? " (it looks like milliseconds)" : "";
    return refuse("malformed_timestamp", `${TIMESTAMP_HEADER} must be unix seconds, got "${timestamp.slice(0, 40)}"${hint}`);
  }
  const skewSec = Math.floor(nowMs / 1000) - Number(timestamp);
  if (skewSec > toleranceSec) {
    return refuse("expired_timestamp", `${TIMESTAMP_HEADER} is ${skewSec} s old; at most ${toleranceSec} s is accepted`);
  }
  if (-skewSec > toleranceSec) {
    return refuse("future_timestamp", `${TIMESTAMP_HEADER} is ${-skewSec} s in the future; at most ${toleranceSec} s is accepted`);
  }

  const candidates = signatureHeader.split(",").map((s) => s.trim());
  const hexes = candidates.map((c) => (c.startsWith(SIGNATURE_PREFIX) ? c.slice(SIGNATURE_PREFIX.length) : ""));
  if (hexes.some((hex) => !HEX_SHA256.test(hex))) {
    return refuse("malformed_signature", `${SIGNATURE_HEADER} must be sha256=<64 hex digits> (comma-separated for several)`);
  }
  const expected = Buffer.from(hmacHex(secret, timestamp, rawBody), "hex");
  // Check every candidate (no early exit) so timing does not reveal which one matched.
  const matched = hexes.reduce((found, hex) => timingSafeEqual(Buffer.from(hex, "hex"), expected) || found, false);
  if (!matched) return refuse("signature_mismatch", `${SIGNATURE_HEADER} does not match the body and timestamp for this source's secret`);
  return { ok: true };
}

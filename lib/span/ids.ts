// Id mapping. Canonical ids are W3C trace-context ids (32/16 lowercase hex). Sources with other ids
// (Langfuse, LangSmith: UUIDs or arbitrary strings) are mapped deterministically so that a redelivered
// or replayed event lands on the same span; the original id is kept by the caller in `attributes`.
import { createHash } from "node:crypto";

const HEX32 = /^[0-9a-f]{32}$/;
const HEX16 = /^[0-9a-f]{16}$/;
const UUID = /^[0-9a-f]{8}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{12}$/i;
const ZERO32 = "0".repeat(32);
const ZERO16 = "0".repeat(16);

export const isTraceId = (s: string): boolean => HEX32.test(s) && s !== ZERO32;
export const isSpanId = (s: string): boolean => HEX16.test(s) && s !== ZERO16;

function digest(namespace: string, value: string): string {
  return createHash("sha256").update(namespace).update("\0").update(value).digest("hex");
}

/** A UUID without dashes is the trace id; a 32-hex string passes through; anything else is hashed. */
export function toTraceId(original: string): string {
  const lower = original.toLowerCase();
  if (isTraceId(lower)) return lower;
  if (UUID.test(original)) {
    const hex = lower.replaceAll("-", "");
    if (hex !== ZERO32) return hex;
  }
  return digest("trace", original).slice(0, 32);
}

/** 16-hex passes through; anything else (UUIDs included: they do not fit 64 bits) is hashed. */
export function toSpanId(original: string): string {
  const lower = original.toLowerCase();
  if (isSpanId(lower)) return lower;
  return digest("span", original).slice(0, 16);
}

/** Bytes (OTLP protobuf) or hex/base64 strings (OTLP JSON encoders differ) → lowercase hex, or null. */
export function otlpIdToHex(value: unknown, bytes: 16 | 8): string | null {
  if (value == null) return null;
  if (value instanceof Uint8Array) return value.length === 0 ? null : Buffer.from(value).toString("hex");
  if (typeof value !== "string" || value === "") return null;
  if (value.length === bytes * 2 && /^[0-9a-fA-F]+$/.test(value)) return value.toLowerCase();
  const b = Buffer.from(value, "base64");
  if (b.length === bytes && /^[A-Za-z0-9+/]+={0,2}$/.test(value)) return b.toString("hex");
  return "invalid";
}

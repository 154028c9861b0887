// Timestamps in the canonical span are RFC 3339 UTC with exactly six fractional digits.
// Sources give nanoseconds (OTLP, as bigint-able strings), milliseconds or ISO strings of any precision;
// everything is converted here so the rest of the code never parses dates again.

/** Nanoseconds since the epoch (bigint) → `YYYY-MM-DDTHH:MM:SS.ffffffZ`. */
export function fromUnixNanos(nanos: bigint): string {
  const micros = nanos / 1000n;
  return fromUnixMicros(micros);
}

export function fromUnixMicros(micros: bigint): string {
  const ms = Number(micros / 1000n);
  const sub = Number(((micros % 1000n) + 1000n) % 1000n);
  const iso = new Date(ms).toISOString(); // YYYY-MM-DDTHH:MM:SS.mmmZ
  return `${iso.slice(0, 23)}${String(sub).padStart(3, "0")}Z`;
}

export function fromUnixMillis(ms: number): string {
  return fromUnixMicros(BigInt(Math.round(ms * 1000)));
}

const ISO = /^(\d{4}-\d{2}-\d{2})[T ](\d{2}:\d{2}:\d{2})(?:\.(\d{1,9}))?(Z|[+-]\d{2}:?\d{2})?$/i;

/**
 * Parses an ISO-8601 / RFC 3339 string (any fractional precision, any offset) or epoch millis.
 * Returns null when the value is not a time; callers turn that into a clear error.
 */
export function toCanonicalTime(value: unknown): string | null {
  if (typeof value === "number" && Number.isFinite(value)) return fromUnixMillis(value);
  if (typeof value !== "string") return null;
  const m = ISO.exec(value.trim());
  if (!m) return null;
  const [, date, time, frac = "", zone = "Z"] = m;
  const base = Date.parse(`${date}T${time}${zone.toUpperCase() === "Z" ? "Z" : normalizeOffset(zone)}`);
  if (Number.isNaN(base)) return null;
  const micros = BigInt(base) * 1000n + BigInt((frac + "000000").slice(0, 6));
  return fromUnixMicros(micros);
}

function normalizeOffset(zone: string): string {
  return zone.includes(":") ? zone : `${zone.slice(0, 3)}:${zone.slice(3)}`;
}

/** Canonical time → epoch microseconds. */
export function toUnixMicros(canonical: string): bigint {
  const ms = Date.parse(canonical.slice(0, 23) + "Z");
  return BigInt(ms) * 1000n + BigInt(canonical.slice(23, 26));
}

/** Duration between two canonical times in milliseconds (fractional, microsecond resolution). */
export function durationMs(start: string, end: string): number {
  return Number(toUnixMicros(end) - toUnixMicros(start)) / 1000;
}

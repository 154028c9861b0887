// Input validation for the explorer queries. Every problem is a TracerelayError TR_BAD_QUERY (HTTP 400)
// naming the parameter. Values only ever reach SQL as bound parameters; these checks keep them sane
// (real times, bounded limits, known enums) and give clear messages.
import { TracerelayError } from "../../../lib/errors.ts";
import { toCanonicalTime } from "../../../lib/span/time.ts";
import { toClickHouseTime } from "../../../lib/store/span-row.ts";

export const MAX_LIMIT = 1000;

export function badQuery(message: string): TracerelayError {
  return new TracerelayError("TR_BAD_QUERY", message);
}

/** An ISO 8601 time (any precision, any offset) → ClickHouse DateTime64(6, 'UTC') text; undefined stays undefined. */
export function parseTime(name: string, value: unknown): string | undefined {
  if (value === undefined || value === null || value === "") return undefined;
  const canonical = typeof value === "string" ? toCanonicalTime(value) : null;
  if (canonical === null) throw badQuery(`${name} must be an ISO 8601 time such as 2026-01-01T00:00:00Z, got ${JSON.stringify(value)}`);
  return toClickHouseTime(canonical);
}

export function parseTimeRange(from: unknown, to: unknown): { from?: string; to?: string } {
  const range = { from: parseTime("from", from), to: parseTime("to", to) };
  if (range.from && range.to && range.from >= range.to) throw badQuery("from must be before to");
  return range;
}

export function parseLimit(value: unknown, fallback = 50): number {
  if (value === undefined || value === null || value === "") return fallback;
  const n = typeof value === "string" ? Number(value) : value;
  if (typeof n !== "number" || !Number.isInteger(n) || n < 1 || n > MAX_LIMIT) {
    throw badQuery(`limit must be an integer from 1 to ${MAX_LIMIT}, got ${JSON.stringify(value)}`);
  }
  return n;
}

export function parseText(name: string, value: unknown, maxLength = 1000): string | undefined {
  if (value === undefined || value === null || value === "") return undefined;
  if (typeof value !== "string" || value.length > maxLength) throw badQuery(`${name} must be a string of at most ${maxLength} characters`);
  return value;
}

export function parseEnum<T extends string>(name: string, value: unknown, allowed: readonly T[]): T | undefined {
  if (value === undefined || value === null || value === "") return undefined;
  if (typeof value !== "string" || !(allowed as readonly string[]).includes(value)) {
    throw badQuery(`${name} must be one of ${allowed.join(", ")}, got ${JSON.stringify(value)}`);
  }
  return value as T;
}

export function parseTags(value: unknown): string[] | undefined {
  if (value === undefined || value === null) return undefined;
  const list = typeof value === "string" ? [value] : value;
  if (!Array.isArray(list) || list.length > 100 || list.some((t) => typeof t !== "string" || t.length > 200)) {
    throw badQuery("tags must be a list of at most 100 strings of at most 200 characters");
  }
  const tags = list.filter((t) => t !== "");
  return tags.length > 0 ? tags : undefined;
}

export function parseMinCost(value: unknown): number | undefined {
  if (value === undefined || value === null || value === "") return undefined;
  const n = typeof value === "string" ? Number(value) : value;
  if (typeof n !== "number" || !Number.isFinite(n) || n < 0) throw badQuery(`minCostUsd must be a number >= 0, got ${JSON.stringify(value)}`);
  return n;
}

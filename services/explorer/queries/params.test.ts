import { expect, test } from "vitest";
import { decodeCursor, encodeCursor } from "./cursor.ts";
import { parseLimit, parseMinCost, parseTags, parseTime, parseTimeRange } from "./params.ts";

const bad = { code: "TR_BAD_QUERY" };

test("cursors round-trip and reject anything else", () => {
  const position = { time: "2026-03-01 10:00:00.123456", id: "ab".repeat(16) };
  expect(decodeCursor(encodeCursor(position))).toEqual(position);
  expect(decodeCursor(undefined)).toBeUndefined();
  for (const cursor of ["%%%", Buffer.from('["yesterday","x"]').toString("base64url"), Buffer.from("{}").toString("base64url")]) {
    expect(() => decodeCursor(cursor)).toThrowError(expect.objectContaining(bad));
  }
});

test("times: ISO 8601 in, ClickHouse UTC text out; garbage and inverted ranges refused", () => {
  expect(parseTime("from", "2026-03-01T12:00:00+02:00")).toBe("2026-03-01 10:00:00.000000");
  expect(parseTime("from", undefined)).toBeUndefined();
  expect(() => parseTime("from", "last tuesday")).toThrowError(expect.objectContaining(bad));
  expect(() => parseTime("from", 1700000000000)).toThrowError(expect.objectContaining(bad));
  expect(() => parseTimeRange("2026-03-02T00:00:00Z", "2026-03-01T00:00:00Z")).toThrowError(expect.objectContaining(bad));
});

test("limits, costs and tags are bounded", () => {
  expect(parseLimit(undefined)).toBe(50);
  expect(parseLimit("1000")).toBe(1000);
  for (const limit of [0, 1001, 1.5, "ten"]) expect(() => parseLimit(limit)).toThrowError(expect.objectContaining(bad));
  expect(parseMinCost("0.25")).toBe(0.25);
  expect(() => parseMinCost(-1)).toThrowError(expect.objectContaining(bad));
  expect(parseTags("web")).toEqual(["web"]);
  expect(parseTags(["", "a"])).toEqual(["a"]);
  expect(() => parseTags([1])).toThrowError(expect.objectContaining(bad));
});

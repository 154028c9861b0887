// The JSONEachRow settings that let a canonical span's JSON line insert into `spans` as it is:
// nested objects into named tuples (usage, cost, source), JSON objects/arrays into String columns as
// their raw text (input, output, attributes, …), RFC 3339 times into DateTime64. The same settings are
// sent to chDB and to a ClickHouse server.
import type { InsertSettings } from "./types.ts";

export const SPAN_INSERT_SETTINGS: InsertSettings = {
  date_time_input_format: "best_effort",
  input_format_json_read_objects_as_strings: 1,
  input_format_json_read_arrays_as_strings: 1,
  input_format_json_read_bools_as_strings: 1,
  input_format_json_read_numbers_as_strings: 1,
  input_format_json_named_tuples_as_objects: 1,
  input_format_json_defaults_for_missing_elements_in_named_tuple: 1,
  input_format_skip_unknown_fields: 1,
};

/** Joins JSON lines into one JSONEachRow payload without copying each line twice. */
export function joinLines(lines: readonly Buffer[]): Buffer {
  const newline = Buffer.from("\n");
  const parts: Buffer[] = [];
  for (const line of lines) parts.push(line, newline);
  return Buffer.concat(parts);
}

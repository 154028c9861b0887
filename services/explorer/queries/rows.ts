// Small converters from ClickHouse JSONEachRow values to the numbers and times the API returns.
// 64-bit integers arrive as strings or numbers depending on engine settings; times as ClickHouse text.
import { durationMs } from "../../../lib/span/time.ts";
import { fromClickHouseTime, numberOrNull } from "../../../lib/store/span-row.ts";

export const toNumber = (value: unknown): number => numberOrNull(value) ?? 0;

/** Costs are float sums: rounded to 1e-10 USD so the same total reads the same whichever way it was summed. */
export const toUsd = (value: unknown): number => Math.round(toNumber(value) * 1e10) / 1e10;

export const toTime = (value: unknown): string => fromClickHouseTime(value);

export const toTimeOrNull = (value: unknown): string | null => (value === null || value === undefined ? null : fromClickHouseTime(value));

export const toStringOrNull = (value: unknown): string | null => (value === null || value === undefined ? null : String(value));

export function spanMs(start: string, end: string | null): number | null {
  return end === null ? null : Math.max(0, durationMs(start, end));
}

export interface Totals {
  total_input_tokens: number;
  total_output_tokens: number;
  total_tokens: number;
  total_cost_usd: number;
}

export const ZERO_TOTALS: Totals = { total_input_tokens: 0, total_output_tokens: 0, total_tokens: 0, total_cost_usd: 0 };

/** Totals from a row of traceTotalsSql (or a summary row carrying the same columns). */
export function totalsOf(row: Record<string, unknown> | undefined): Totals {
  if (!row) return { ...ZERO_TOTALS };
  return {
    total_input_tokens: toNumber(row.input_tokens),
    total_output_tokens: toNumber(row.output_tokens),
    total_tokens: toNumber(row.total_tokens),
    total_cost_usd: toUsd(row.cost_usd),
  };
}

export function addTotals(a: Totals, b: Totals): Totals {
  return {
    total_input_tokens: a.total_input_tokens + b.total_input_tokens,
    total_output_tokens: a.total_output_tokens + b.total_output_tokens,
    total_tokens: a.total_tokens + b.total_tokens,
    total_cost_usd: Math.round((a.total_cost_usd + b.total_cost_usd) * 1e10) / 1e10,
  };
}

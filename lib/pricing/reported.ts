// Costs a source reported itself (Langfuse cost_details, OpenInference llm.cost.*, gen_ai.usage.cost).
// They win over computed ones (DESIGN.md) and are carried with `source: "reported"`.
import type { Cost } from "../span/types.ts";

/** Builds a reported cost; total defaults to input + output. Negative or non-finite amounts are dropped. */
export function reportedCost(parts: { input?: number; output?: number; total?: number }): Cost | undefined {
  const input = usd(parts.input);
  const output = usd(parts.output);
  let total = usd(parts.total);
  if (total === undefined && (input !== undefined || output !== undefined)) total = roundUsd((input ?? 0) + (output ?? 0));
  if (input === undefined && output === undefined && total === undefined) return undefined;
  const cost = {} as Cost;
  if (input !== undefined) cost.input_usd = input;
  if (output !== undefined) cost.output_usd = output;
  if (total !== undefined) cost.total_usd = total;
  cost.source = "reported";
  return cost;
}

function usd(v: number | undefined): number | undefined {
  return v === undefined || !Number.isFinite(v) || v < 0 ? undefined : roundUsd(v);
}

/** Rounds to 1e-10 USD so sums of float prices do not print as 0.30000000000000004. */
export function roundUsd(v: number): number {
  return Math.round(v * 1e10) / 1e10;
}

// Public surface of lib/pricing.
export { type CostInputs, computeCost } from "./cost.ts";
export type { ModelPriceOverride, PriceOverrides } from "./overrides.ts";
export { reportedCost } from "./reported.ts";

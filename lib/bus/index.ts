// Entry point for the rest of tracerelay: builds the configured bus. Only the embedded log exists
// so far; Kafka will implement the same Bus interface and pass the same contract suite.
import { type EmbeddedBusOptions, createEmbeddedBus } from "./embedded/bus.ts";
import type { Bus } from "./types.ts";

export type BusConfig = ({ kind: "embedded" } & EmbeddedBusOptions) | { kind: "kafka"; [option: string]: unknown };

export async function createBus(config: BusConfig): Promise<Bus> {
  if (config.kind === "kafka") throw new Error('kafka bus not implemented yet: set bus.kind to "embedded"');
  return createEmbeddedBus(config);
}

// Entry point for the rest of tracerelay: builds the configured bus — the embedded log on local disk
// (single node) or Kafka (scale-out). Both implement the same Bus interface and pass the same
// contract suite (contract-suite.ts).
import { type EmbeddedBusOptions, createEmbeddedBus } from "./embedded/bus.ts";
import { type KafkaBusOptions, createKafkaBus } from "./kafka/bus.ts";
import type { Bus } from "./types.ts";

export type BusConfig = ({ kind: "embedded" } & EmbeddedBusOptions) | ({ kind: "kafka" } & KafkaBusOptions);

export async function createBus(config: BusConfig): Promise<Bus> {
  if (config.kind === "kafka") return createKafkaBus(config);
  return createEmbeddedBus(config);
}

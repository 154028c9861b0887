// The built-in ClickHouse store as a destination like any other: it goes through the shared delivery
// helper (batching, breaker, retries within a window, dead letters, the same metrics), with a mapper
// and a client over the span writer (lib/store/span-writer.ts). The writer is the deliver role's,
// over the role's store (chDB or the server of `store.url`): the adapter gets it through AdapterEnv.
import type { DestinationAdapter } from "../_delivery/index.ts";
import type { DestinationModule } from "../module.ts";
import { createStoreClient } from "./client.ts";
import { parseStoreConfig, type StoreConfig } from "./config.ts";
import { mapStore, type StoreRequest } from "./mapper.ts";

export { parseStoreConfig, STORE_DEFAULTS, type StoreConfig } from "./config.ts";
export { mapStore, type StoreRequest } from "./mapper.ts";
export { createStoreClient } from "./client.ts";

export const storeModule: DestinationModule<StoreConfig, StoreRequest> = {
  type: "store",
  parseConfig: parseStoreConfig,
  adapter: (name, _config, env): DestinationAdapter<StoreRequest> => {
    if (!env?.spanWriter) throw new Error(`destination "${name}" (store): the deliver role must provide the span writer`);
    return { name, mapper: { map: mapStore }, client: createStoreClient({ writer: env.spanWriter, onWritten: env.onStoreWritten, now: env.now }) };
  },
};

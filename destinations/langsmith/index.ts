// The LangSmith destination: canonical spans → LangSmith runs through the official `langsmith` client.
// Only the vendor-specific parts live here (config, mapper, client); createDelivery (via the module)
// does the rest.
import type { CanonicalSpan } from "../../lib/span/types.ts";
import type { DestinationAdapter } from "../_delivery/index.ts";
import type { DestinationModule } from "../module.ts";
import { createLangSmithClient } from "./client.ts";
import { type LangSmithConfig, parseLangSmithConfig } from "./config.ts";
import { type LangSmithRequest, mapLangSmith } from "./mapper.ts";

export { LANGSMITH_DEFAULT_API_URL, LANGSMITH_VENDOR_DEFAULTS, type LangSmithConfig, parseLangSmithConfig } from "./config.ts";
export { type LangSmithRequest, type LangSmithRun, mapLangSmith, PROJECT_ATTRIBUTE, RUN_TYPE_ATTRIBUTE } from "./mapper.ts";
export { runId, segment } from "./tree.ts";

export function langsmithAdapter(
  name: string,
  config: Pick<LangSmithConfig, "apiUrl" | "apiKey" | "project" | "workspaceId">,
  now?: () => number,
): DestinationAdapter<LangSmithRequest> {
  return {
    name,
    mapper: { map: (spans: CanonicalSpan[]) => mapLangSmith(spans, config.project) },
    client: createLangSmithClient({ apiUrl: config.apiUrl, apiKey: config.apiKey, workspaceId: config.workspaceId, now }),
  };
}

export const langsmithModule: DestinationModule<LangSmithConfig, LangSmithRequest> = {
  type: "langsmith",
  parseConfig: parseLangSmithConfig,
  adapter: (name, config, env) => langsmithAdapter(name, config, env?.now),
};


// Every destination type the deliver role can run, by the `type:` of a `destinations:` entry, the
// built-in `store` included: every one goes through the shared delivery helper.
import type { DestinationModule, ParsedDestinationConfig } from "./module.ts";
import { langfuseModule } from "./langfuse/index.ts";
import { langsmithModule } from "./langsmith/index.ts";
import { otlpModule } from "./otlp/index.ts";
import { s3Module } from "./s3/index.ts";
import { storeModule } from "./store/index.ts";
import { webhookModule } from "./webhook/index.ts";

// Each module has its own config and request types; `any` lets one table hold them all.
export const DESTINATION_MODULES: Record<string, DestinationModule<any, any>> = {
  webhook: webhookModule,
  langfuse: langfuseModule,
  otlp: otlpModule,
  langsmith: langsmithModule,
  s3: s3Module,
  store: storeModule,
};

export type { DestinationModule, ParsedDestinationConfig };

/** Validates one `destinations.<name>` block; returns its problems (empty when fine or when the type has no module). */
export function destinationProblems(block: { type: string; [key: string]: unknown }): string[] {
  const module = DESTINATION_MODULES[block.type];
  if (!module) return [];
  const { type: _type, ...raw } = block;
  try {
    module.parseConfig(raw);
    return [];
  } catch (err) {
    const problems = (err as { problems?: string[] }).problems;
    return problems ?? [(err as Error).message];
  }
}

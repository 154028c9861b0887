// The explorer role: the read API (/api/v1/traces, sessions, usage) over the store. Stateless: any
// number can run against a ClickHouse server (`store.url`). With embedded chDB the store has one owner
// process (the one running `deliver --destination store`), so the explorer runs in that process
// (`tracerelay deliver --destination store --with explorer`).
import type { RoleContext, StartedRole } from "./context.ts";

export async function startExplorerRole(ctx: RoleContext): Promise<StartedRole> {
  const store = await ctx.store();
  return { name: "explorer", server: { sql: store.sql }, stop: async () => {} };
}

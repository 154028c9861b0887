// The store contract through the SERVER client code path (lib/store/server-client.ts, @clickhouse/client)
// with chDB as its transport (chdb/connection), so the server client's parameter formatting, inserts
// and error handling are exercised against the real engine even where no ClickHouse server runs.
// chdb/connection ignores the client's `database`, so this backend keeps its tables in `default`.
// (chdb types its Connection against its own copy of @clickhouse/client-common: same shape, other
// declaration file, hence the cast.)
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createClient } from "@clickhouse/client";
import { createChdbConnection } from "chdb/connection";
import { describeStoreContract } from "./contract-suite.ts";
import { storeOver } from "./index.ts";
import { createServerClient } from "./server-client.ts";

type ChdbTransport = NonNullable<Parameters<typeof createClient>[0]>["connection"];

const dataDir = await mkdtemp(join(tmpdir(), "tracerelay-store-client-"));

describeStoreContract("@clickhouse/client over chdb/connection", {
  open: async () =>
    storeOver(
      await createServerClient({
        database: "default",
        connect: () => createClient({ connection: createChdbConnection({ path: dataDir }) as unknown as ChdbTransport }),
      }),
    ),
  dispose: () => rm(dataDir, { recursive: true, force: true }),
});

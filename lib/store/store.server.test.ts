// The store contract against a ClickHouse server, when CLICKHOUSE_URL is set (e.g. http://localhost:8123);
// skipped otherwise. Uses a throw-away database, dropped afterwards.
import { randomBytes } from "node:crypto";
import { createClient } from "@clickhouse/client";
import { describe, test } from "vitest";
import { describeStoreContract } from "./contract-suite.ts";
import { openStore } from "./index.ts";

const url = process.env.CLICKHOUSE_URL;

if (url) {
  const database = `tracerelay_test_${randomBytes(4).toString("hex")}`;
  describeStoreContract(`ClickHouse server (${url})`, {
    open: () => openStore({ dataDir: "", url, database }),
    async dispose() {
      const admin = createClient({ url });
      await admin.command({ query: `DROP DATABASE IF EXISTS ${database}` });
      await admin.close();
    },
  });
} else {
  describe("store contract: ClickHouse server", () => {
    test.skip("set CLICKHOUSE_URL to run the store contract against a ClickHouse server", () => {});
  });
}

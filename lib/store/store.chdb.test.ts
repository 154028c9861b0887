// The store contract against chDB in-process: always runs. One store (one chDB Session) for the file.
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describeStoreContract } from "./contract-suite.ts";
import { openStore } from "./index.ts";

const dataDir = await mkdtemp(join(tmpdir(), "tracerelay-store-"));

describeStoreContract("chDB", {
  open: () => openStore({ dataDir }),
  dispose: () => rm(dataDir, { recursive: true, force: true }),
});

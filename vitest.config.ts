import { defineConfig } from "vitest/config";

// Two projects: `unit` (tests next to the code, fast, in parallel) and `e2e` (test/, real processes,
// real SDKs; run one file at a time so the 2-core machine is not oversubscribed).
export default defineConfig({
  test: {
    projects: [
      {
        test: {
          name: "unit",
          include: ["{lib,services,destinations,rules,schemas,bin,scripts}/**/*.test.ts"],
          testTimeout: 30_000,
        },
      },
      {
        test: {
          name: "e2e",
          include: ["test/**/*.test.ts"],
          testTimeout: 180_000,
          hookTimeout: 180_000,
          fileParallelism: false,
        },
      },
    ],
  },
});

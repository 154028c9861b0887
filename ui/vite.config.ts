// Vite build of the web UI: `ui/` → `ui/dist/`, served by tracerelay at `/` (services/explorer/ui-routes.ts).
// Everything is bundled (no CDN, no web fonts); hashed assets go under /assets/ (cached immutable).
import react from "@vitejs/plugin-react";
import { defineConfig } from "vite";

export default defineConfig({
  root: import.meta.dirname,
  base: "/",
  plugins: [react()],
  build: {
    outDir: "dist",
    emptyOutDir: true,
    assetsDir: "assets",
    sourcemap: false,
    chunkSizeWarningLimit: 1500,
  },
});

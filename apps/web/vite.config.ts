import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { defineConfig } from "vite";
import solid from "vite-plugin-solid";

// The renderers' browser builds (UMD, one file each), served as assets and loaded by sandboxed output
// frames only when an output needs them. vega's packages do not export these files, so they are found on disk.
const require = createRequire(import.meta.url);
const umd = (pkg: string, file: string) => join(dirname(require.resolve(pkg)), file);

const backend = process.env.TANDEM_DEV_BACKEND ?? "http://127.0.0.1:8888";

export default defineConfig({
  plugins: [solid()],
  resolve: {
    alias: [
      { find: /^umd:plotly(?=\?)/, replacement: require.resolve("plotly.js-dist-min") },
      { find: /^umd:vega(?=\?)/, replacement: umd("vega", "vega.min.js") },
      { find: /^umd:vega-lite(?=\?)/, replacement: umd("vega-lite", "vega-lite.min.js") },
      { find: /^umd:vega-embed(?=\?)/, replacement: umd("vega-embed", "vega-embed.min.js") },
    ],
  },
  build: {
    outDir: "dist",
    assetsDir: "assets",
    target: "es2022",
    sourcemap: true,
    chunkSizeWarningLimit: 1500,
  },
  server: {
    port: 5173,
    proxy: {
      "/api": { target: backend, changeOrigin: false },
      "/login": { target: backend, changeOrigin: false },
      "/collab": { target: backend, ws: true, changeOrigin: false },
    },
  },
});

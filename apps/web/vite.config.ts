import { defineConfig } from "vite";
import solid from "vite-plugin-solid";

const backend = process.env.TANDEM_DEV_BACKEND ?? "http://127.0.0.1:8888";

export default defineConfig({
  plugins: [solid()],
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

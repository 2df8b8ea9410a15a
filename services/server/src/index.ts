export { type Config, ConfigError, loadConfig } from "./config.ts";
export { type StartOptions, startServer, type TandemServer } from "./server.ts";

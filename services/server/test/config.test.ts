import { describe, expect, it } from "vitest";
import { ConfigError, loadConfig } from "../src/config.ts";

describe("configuration", () => {
  it("has defaults that run Tandem locally on embedded Postgres", () => {
    const config = loadConfig({});
    expect(config).toMatchObject({ host: "127.0.0.1", port: 8888, allowSignup: true, logLevel: "info" });
    expect(config.databaseUrl).toBeUndefined();
    expect(config.dataDir).toMatch(/\.tandem$/);
  });

  it("reads the environment, and command-line overrides win", () => {
    const config = loadConfig(
      { TANDEM_PORT: "9000", DATABASE_URL: "postgresql://u@h/db", TANDEM_ALLOW_SIGNUP: "false" },
      { port: 9100 },
    );
    expect(config.port).toBe(9100);
    expect(config.databaseUrl).toBe("postgresql://u@h/db");
    expect(config.allowSignup).toBe(false);
  });

  it("stops with a message naming every bad variable", () => {
    expect(() =>
      loadConfig({
        TANDEM_PORT: "70000",
        TANDEM_TOKEN: "short",
        TANDEM_LOG_LEVEL: "loud",
        TANDEM_ALLOW_SIGNUP: "maybe",
      }),
    ).toThrow(ConfigError);
    try {
      loadConfig({
        TANDEM_PORT: "70000",
        TANDEM_TOKEN: "short",
        TANDEM_LOG_LEVEL: "loud",
        TANDEM_ALLOW_SIGNUP: "maybe",
      });
    } catch (err) {
      const message = (err as Error).message;
      expect(message).toMatch(/TANDEM_PORT: must be at most 65535/);
      expect(message).toMatch(/TANDEM_TOKEN: must be at least 16 characters/);
      expect(message).toMatch(/TANDEM_LOG_LEVEL/);
      expect(message).toMatch(/TANDEM_ALLOW_SIGNUP: must be true or false/);
    }
  });
});

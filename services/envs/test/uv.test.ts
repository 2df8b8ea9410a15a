import { execFileSync } from "node:child_process";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { assertUv, testUvCache } from "@tandem/testkit";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { EnvError, locateUv } from "../src/index.ts";

let dir: string;
beforeAll(() => {
  assertUv();
  dir = mkdtempSync(join(tmpdir(), "tandem-uv-"));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe("finding uv", () => {
  it("uses TANDEM_UV when set, and says so when it is not uv", async () => {
    const err = await locateUv({ explicit: "/bin/false", dataDir: dir, cacheDir: testUvCache }).catch((e) => e);
    expect(err).toBeInstanceOf(EnvError);
    expect(err.message).toMatch(/TANDEM_UV=\/bin\/false does not run as uv/);
  });

  it("on a machine with only Python (and pip), installs uv under the data dir on first need, then reuses it", async () => {
    const uv = await locateUv({ dataDir: dir, cacheDir: testUvCache });
    // A Python with pip but without uv, and a PATH without uv: what a fresh machine has.
    const bare = join(dir, "bare-python");
    await uv.run(["venv", "--quiet", "--seed", "--python", "3", "--python-preference", "only-system", bare]);
    const searchPath = `${join(bare, "bin")}:${dirname(execFileSync("which", ["sh"], { encoding: "utf8" }).trim())}`;
    const dataDir = join(dir, "fresh");
    const messages: string[] = [];
    const log = { info: (o: object | string, m?: string) => messages.push(m ?? String(o)), warn() {} };
    const installed = await locateUv({
      dataDir,
      cacheDir: testUvCache,
      python: join(bare, "bin", "python"),
      searchPath,
      log,
    });
    expect(installed.source).toBe("installed");
    expect(installed.command).toBe(join(dataDir, "tools", "uv", "bin", "uv"));
    expect(existsSync(installed.command)).toBe(true);
    expect(messages.join("\n")).toMatch(/installing it with pip/);
    const again = await locateUv({ dataDir, cacheDir: testUvCache, python: join(bare, "bin", "python"), searchPath });
    expect(again.source).toBe("data-dir");
  }, 180_000);
});

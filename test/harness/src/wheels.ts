import { execFileSync } from "node:child_process";
import { mkdirSync, readdirSync, readFileSync } from "node:fs";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { join } from "node:path";
import { repoRoot } from "./server.ts";
/** One uv cache for every test run (ipykernel and its dependencies come from PyPI once). */
export const testUvCache = join(repoRoot, ".cache", "uv-test");

export interface TinyWheel {
  name: string;
  version: string;
  requires?: string[];
  /** Leave out the WHEEL file: resolves (metadata is there) but fails to install. */
  broken?: boolean;
}

const MAKE_WHEELS = String.raw`
import base64, hashlib, json, sys, zipfile
out, specs = sys.argv[1], json.loads(sys.argv[2])
for w in specs:
    name, version = w["name"], w["version"]
    mod = name.replace("-", "_")
    di = f"{mod}-{version}.dist-info"
    meta = f"Metadata-Version: 2.1\nName: {name}\nVersion: {version}\n" + "".join(f"Requires-Dist: {r}\n" for r in w.get("requires", []))
    files = {f"{mod}/__init__.py": f"__version__ = {version!r}\n", f"{di}/METADATA": meta}
    if not w.get("broken"):
        files[f"{di}/WHEEL"] = "Wheel-Version: 1.0\nGenerator: tandem-test\nRoot-Is-Purelib: true\nTag: py3-none-any\n"
    record = "".join(f"{p},sha256={base64.urlsafe_b64encode(hashlib.sha256(c.encode()).digest()).rstrip(b'=').decode()},{len(c.encode())}\n" for p, c in files.items())
    files[f"{di}/RECORD"] = record + f"{di}/RECORD,,\n"
    with zipfile.ZipFile(f"{out}/{mod}-{version}-py3-none-any.whl", "w") as z:
        for p, c in files.items():
            z.writestr(zipfile.ZipInfo(p, (2020, 1, 1, 0, 0, 0)), c)  # fixed dates: byte-identical wheels
`;

/** Writes tiny pure-Python wheels (by hand, with the zipfile module) into `dir`: a local package index. */
export function makeWheels(dir: string, wheels: TinyWheel[]): string {
  mkdirSync(dir, { recursive: true });
  try {
    execFileSync("python3", ["-c", MAKE_WHEELS, dir, JSON.stringify(wheels)], { stdio: "pipe" });
  } catch (err) {
    throw new Error(`Making test wheels needs python3 on PATH (apt-get install python3): ${(err as Error).message}`);
  }
  return dir;
}

/** Fails (never skips) with what to install when uv is missing. */
export function assertUv(): void {
  try {
    execFileSync("uv", ["--version"], { stdio: "pipe" });
  } catch {
    try {
      execFileSync("python3", ["-m", "uv", "--version"], { stdio: "pipe" });
    } catch {
      throw new Error("These tests need uv: run `bash scripts/setup-test-env.sh` (or `python3 -m pip install uv`)");
    }
  }
}

/** Serves a wheel directory over HTTP as a find-links page (what `pip --find-links URL` and uv read). */
export async function serveWheels(dir: string): Promise<{ url: string; close(): Promise<void> }> {
  const server = createServer((req, res) => {
    const name = decodeURIComponent((req.url ?? "/").split("?")[0]!.slice(1));
    if (!name) {
      const links = readdirSync(dir)
        .filter((f) => f.endsWith(".whl"))
        .map((f) => `<a href="${f}">${f}</a><br>`);
      res
        .writeHead(200, { "content-type": "text/html" })
        .end(`<!doctype html><html><body>${links.join("\n")}</body></html>`);
      return;
    }
    if (name.includes("/") || !name.endsWith(".whl")) return void res.writeHead(404).end();
    try {
      res.writeHead(200, { "content-type": "application/octet-stream" }).end(readFileSync(join(dir, name)));
    } catch {
      res.writeHead(404).end();
    }
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/`,
    close: () => new Promise<void>((r) => server.close(() => r())),
  };
}

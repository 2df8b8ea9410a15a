import { execFileSync } from "node:child_process";
import { mkdirSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

export const repoRoot = fileURLToPath(new URL("../../../", import.meta.url));
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

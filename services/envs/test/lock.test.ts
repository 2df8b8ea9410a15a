import { describe, expect, it } from "vitest";
import { type Lock, lockIdentity, parseCompiled, renderRequirements } from "../src/index.ts";

const compiled = `tiny-b==2.1.0 \\
    --hash=sha256:bbbb \\
    --hash=sha256:aaaa
    # via tiny-a
    # from file:///tmp/wheels
Tiny_A==1.0.0 \\
    --hash=sha256:cccc
    # via -r requirements.in
    # from https://pypi.org/simple
`;

const lock = (packages = parseCompiled(compiled), version = "3.11.7"): Lock => ({
  packages,
  python: { version, implementation: "cpython", platform: "linux-x86_64", path: "/usr/bin/python3" },
  base: null,
});

describe("lock", () => {
  it("parses uv's compiled output: normalised names, sorted hashes, index of origin", () => {
    expect(parseCompiled(compiled)).toEqual([
      { name: "tiny-a", version: "1.0.0", hashes: ["sha256:cccc"], index: "https://pypi.org/simple" },
      { name: "tiny-b", version: "2.1.0", hashes: ["sha256:aaaa", "sha256:bbbb"], index: "file:///tmp/wheels" },
    ]);
  });

  it("has an identity that pins versions, hashes, Python and platform but not the interpreter's path or index", () => {
    const id = lockIdentity(lock());
    expect(lockIdentity({ ...lock(), python: { ...lock().python, path: "/other/python3" } })).toBe(id);
    expect(lockIdentity(lock(parseCompiled(compiled.replace("file:///tmp/wheels", "https://mirror"))))).toBe(id);
    expect(lockIdentity(lock(undefined, "3.11.8"))).not.toBe(id);
    expect(lockIdentity({ ...lock(), python: { ...lock().python, platform: "linux-aarch64" } })).not.toBe(id);
    expect(lockIdentity(lock(parseCompiled(compiled.replace("cccc", "dddd"))))).not.toBe(id);
    expect(lockIdentity({ ...lock(), base: { python: "/opt/py", packages: ["torch==2.5.1"] } })).not.toBe(id);
  });

  it("renders a requirements.txt that round-trips", () => {
    const text = renderRequirements(lock().packages, { comment: ["hi"], options: ["--extra-index-url https://x"] });
    expect(text.startsWith("# hi\n--extra-index-url https://x\ntiny-a==1.0.0 \\\n    --hash=sha256:cccc\n")).toBe(true);
    expect(parseCompiled(text)).toEqual(lock().packages);
  });
});

import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { kernelBaseEnv } from "../src/environment.ts";
import { findKernelspecs } from "../src/kernelspecs.ts";
import { deserializeV1, serializeV1 } from "../src/websocket.ts";
import { newHeader, RawMessage, Signer } from "../src/wire.ts";

describe("Jupyter wire protocol", () => {
  it("signs with HMAC-SHA256 and refuses tampered messages", () => {
    const signer = new Signer("secret");
    const msg = RawMessage.from({
      header: newHeader("execute_request", "s"),
      parent_header: {},
      metadata: {},
      content: { code: "1" },
    });
    const frames = signer.frames(msg, [Buffer.from("id")]);
    const parsed = signer.parse(frames);
    expect(parsed.msgType).toBe("execute_request");
    expect(parsed.message().content).toEqual({ code: "1" });
    frames[frames.length - 1] = Buffer.from('{"code":"2"}');
    expect(() => signer.parse(frames)).toThrow(/signature/);
  });

  it("frames v1 WebSocket messages as Jupyter Server does", () => {
    const parts = ['{"msg_id":"a"}', "{}", "{}", '{"x":1}'].map((s) => Buffer.from(s));
    const bin = serializeV1("shell", parts);
    // offset count = parts + 2; first offset = 8 * (count + 1)
    expect(Number(bin.readBigUInt64LE(0))).toBe(6);
    expect(Number(bin.readBigUInt64LE(8))).toBe(56);
    const back = deserializeV1(bin);
    expect(back.channel).toBe("shell");
    expect(back.parts.map(String)).toEqual(parts.map(String));
  });
});

describe("kernelspecs and kernel environment", () => {
  it("finds kernel.json under data directories, first directory winning", async () => {
    const a = await mkdtemp(join(tmpdir(), "ks-a-"));
    const b = await mkdtemp(join(tmpdir(), "ks-b-"));
    for (const [dir, name] of [
      [a, "one"],
      [b, "ONE"],
      [b, "two"],
    ] as const) {
      await mkdir(join(dir, "kernels", name), { recursive: true });
      await writeFile(
        join(dir, "kernels", name, "kernel.json"),
        JSON.stringify({ argv: ["x", dir], display_name: name, language: "python", interrupt_mode: "message" }),
      );
    }
    await mkdir(join(b, "kernels/broken"), { recursive: true });
    await writeFile(join(b, "kernels/broken/kernel.json"), "{not json");
    const specs = await findKernelspecs([a, b]);
    expect(specs.map((s) => s.name).sort()).toEqual(["one", "two"]);
    expect(specs.find((s) => s.name === "one")).toMatchObject({ argv: ["x", a], interrupt_mode: "message" });
    await rm(a, { recursive: true });
    await rm(b, { recursive: true });
  });

  it("keeps the server's secrets out of kernels", () => {
    const env = kernelBaseEnv({
      PATH: "/bin",
      HOME: "/home/x",
      DATABASE_URL: "postgres://",
      TANDEM_TOKEN: "t",
      TANDEM_DATA_DIR: "/d",
      AWS_SECRET_ACCESS_KEY: "k",
      GITHUB_TOKEN: "g",
      PYTHONPATH: "/srv/tandem",
      NODE_OPTIONS: "--inspect",
      https_proxy: "http://proxy:3128",
      CUDA_VISIBLE_DEVICES: "0",
    });
    // An allow-list: what is not named (the server's PYTHONPATH, NODE_OPTIONS) stays out too.
    expect(env).toEqual({
      PATH: "/bin",
      HOME: "/home/x",
      https_proxy: "http://proxy:3128",
      CUDA_VISIBLE_DEVICES: "0",
    });
  });
});

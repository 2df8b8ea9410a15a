import { type ChildProcess, spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { createServer } from "node:net";
import { testPython } from "./kernels.ts";

const HINT = "moto's S3 server is missing from .venv-test: run bash scripts/setup-test-env.sh (moto[server])";

export interface TestS3 {
  /** The endpoint (TANDEM_S3_ENDPOINT). */
  endpoint: string;
  bucket: string;
  /** What a server needs to keep its artifacts in `s3://<bucket>/<prefix>`. */
  env(prefix: string): Record<string, string>;
  /** Keys in the bucket under a prefix (ListObjectsV2). */
  keys(prefix: string): Promise<string[]>;
  close(): Promise<void>;
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once("error", reject);
    srv.listen(0, "127.0.0.1", () => {
      const { port } = srv.address() as { port: number };
      srv.close(() => resolve(port));
    });
  });
}

/** A real S3-compatible server (moto in server mode) on a free port, with one empty bucket. */
export async function startS3(bucket = "tandem-test"): Promise<TestS3> {
  if (!existsSync(testPython)) throw new Error(HINT);
  const port = await freePort();
  const endpoint = `http://127.0.0.1:${port}`;
  const child: ChildProcess = spawn(testPython, ["-m", "moto.server", "-H", "127.0.0.1", "-p", String(port)], {
    stdio: ["ignore", "ignore", "pipe"],
  });
  let stderr = "";
  child.stderr!.on("data", (c: Buffer) => {
    stderr = (stderr + c.toString()).slice(-4000);
  });
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  const deadline = Date.now() + 30_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`${HINT}\nmoto exited with ${child.exitCode}:\n${stderr}`);
    const up = await fetch(`${endpoint}/moto-api/`).then(
      () => true,
      () => false,
    );
    if (up) break;
    if (Date.now() > deadline) {
      child.kill("SIGKILL");
      throw new Error(`moto did not listen on ${endpoint} within 30 s:\n${stderr}`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  // moto accepts unsigned requests: plain HTTP is enough to make the bucket and list it.
  const made = await fetch(`${endpoint}/${bucket}`, { method: "PUT" });
  if (!made.ok) throw new Error(`could not create bucket ${bucket}: ${made.status} ${await made.text()}`);
  return {
    endpoint,
    bucket,
    env: (prefix) => ({
      TANDEM_ARTIFACTS_URL: `s3://${bucket}/${prefix}`,
      TANDEM_S3_ENDPOINT: endpoint,
      TANDEM_S3_REGION: "us-east-1",
      TANDEM_S3_ACCESS_KEY_ID: "testing",
      TANDEM_S3_SECRET_ACCESS_KEY: "testing",
    }),
    async keys(prefix) {
      const res = await fetch(`${endpoint}/${bucket}?list-type=2&prefix=${encodeURIComponent(prefix)}`);
      const xml = await res.text();
      return [...xml.matchAll(/<Key>([^<]+)<\/Key>/g)].map((m) => m[1]!).sort();
    },
    async close() {
      if (child.exitCode === null && child.signalCode === null) child.kill("SIGTERM");
      await exited;
    },
  };
}

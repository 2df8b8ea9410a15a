import { readdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import {
  createProject,
  createUser,
  pythonKernelspecs,
  startTestServer,
  type TestServer,
  type TestUser,
} from "@tandem/testkit";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type * as Y from "yjs";
import { addCodeCell, connect, until } from "./collab-clients.ts";

// What a cell of an editor's tries to read: the server's startup environment (which held
// TANDEM_TOKEN and DATABASE_URL), a file in the data dir, and another kernel's connection file (its HMAC key).
const PROBE = (paths: { environ: string; secret: string; other: string; dataDir: string }) => `
import json, os
def attempt(path):
    try:
        with open(path, 'rb') as f:
            return 'read:' + f.read().decode('utf8', 'replace')
    except OSError as e:
        return type(e).__name__
print(json.dumps({
    'environ': attempt(${JSON.stringify(paths.environ)}),
    'secret': attempt(${JSON.stringify(paths.secret)}),
    'other': attempt(${JSON.stringify(paths.other)}),
    'dataDir': sorted(os.listdir(${JSON.stringify(paths.dataDir)})),
    'uid': os.getuid(),
    'pids': sorted(int(p) for p in os.listdir('/proc') if p.isdigit()),
    'cwd': os.getcwd(),
    'writable': os.access('.', os.W_OK),
}))
`;

let specs: Awaited<ReturnType<typeof pythonKernelspecs>>;
beforeAll(async () => {
  specs = await pythonKernelspecs();
});
afterAll(async () => {
  await specs?.remove();
});

function outputText(doc: Y.Doc, id: string): string {
  const cell = doc
    .getArray<Y.Map<unknown>>("cells")
    .toArray()
    .find((c) => c.get("id") === id)!;
  return ((cell.get("outputs") as Y.Array<any>).toJSON() as any[]).map((o) => o.text ?? o.evalue ?? "").join("");
}

/** Starts a kernel in notebook A, then runs the probe in notebook B's kernel and returns what it saw. */
async function probe(server: TestServer, owner: TestUser, projectId: string) {
  const notebook = async (name: string) =>
    (await owner.client.post(`/api/projects/${projectId}/notebooks`, { name })).body.id as string;
  const [a, b] = [await notebook("a"), await notebook("b")];
  const clientA = connect(server.url, a, { token: owner.token });
  await clientA.synced();
  addCodeCell(clientA.doc, "hello", "print('hello')");
  await owner.client.post(`/api/notebooks/${a}/execute`, { cells: ["hello"] });
  await until(() => outputText(clientA.doc, "hello") !== "", "kernel A's output", 60_000);
  const kernelA = (await owner.client.get(`/api/notebooks/${a}/kernel`)).body.kernel.id as string;
  const runtime = join(server.dataDir, "runtime");
  const other = (await readdir(runtime)).find((f) => f.startsWith(`kernel-${kernelA}`));
  expect(other).toBeDefined();
  const secret = join(server.dataDir, "secret.txt");
  await writeFile(secret, "the data dir's contents", { mode: 0o600 });

  const clientB = connect(server.url, b, { token: owner.token });
  await clientB.synced();
  const paths = {
    environ: `/proc/${process.pid}/environ`,
    secret,
    other: join(runtime, other!),
    dataDir: server.dataDir,
  };
  addCodeCell(clientB.doc, "probe", PROBE(paths));
  await owner.client.post(`/api/notebooks/${b}/execute`, { cells: ["probe"] });
  await until(() => outputText(clientB.doc, "probe") !== "", "the probe's output", 60_000);
  clientA.destroy();
  clientB.destroy();
  await owner.client.delete(`/api/notebooks/${a}/kernel`);
  await owner.client.delete(`/api/notebooks/${b}/kernel`);
  return JSON.parse(outputText(clientB.doc, "probe"));
}

describe("kernel isolation", () => {
  it("sandbox (the default): a kernel sees neither the server's environment, nor the data dir, nor other kernels", async () => {
    const server = await startTestServer({ env: specs.env });
    try {
      const owner = await createUser(server.http, "owner");
      const projectId = await createProject(owner.client);
      const seen = await probe(server, owner, projectId);
      expect(seen.environ).toBe("FileNotFoundError");
      expect(seen.secret).toBe("FileNotFoundError");
      expect(seen.other).toBe("FileNotFoundError");
      // Of the data dir only the project's working directory is there (no runtime dir, no database, no envs).
      expect(seen.dataDir).toEqual(["work"]);
      expect(seen.cwd).toBe(join(server.dataDir, "work", projectId));
      expect(seen.writable).toBe(true);
      // Its own PID namespace: bubblewrap's init and the kernel, not the server nor the other kernel.
      expect(seen.pids).toEqual([1, 2]);
      // A root server runs kernels as nobody.
      expect(seen.uid).toBe(process.getuid?.() === 0 ? 65534 : process.getuid?.());
    } finally {
      await server.close();
    }
  });

  it("none: the kernel runs as the server's processes do, and reads all three (what SECURITY.md warns of)", async () => {
    const server = await startTestServer({ env: { ...specs.env, TANDEM_KERNEL_ISOLATION: "none" } });
    try {
      const owner = await createUser(server.http, "owner");
      const projectId = await createProject(owner.client);
      const seen = await probe(server, owner, projectId);
      expect(seen.environ).toMatch(/^read:/);
      expect(seen.secret).toBe("read:the data dir's contents");
      expect(seen.other).toMatch(/"key": "[0-9a-f]{64}"/);
      expect(seen.dataDir).toEqual(expect.arrayContaining(["runtime", "secret.txt", "work"]));
      expect(seen.pids).toContain(process.pid);
      expect(seen.uid).toBe(process.getuid?.());
    } finally {
      await server.close();
    }
  });

  it("refuses to start when the sandbox was asked for and bubblewrap cannot make one", async () => {
    await expect(startTestServer({ env: { ...specs.env, TANDEM_BWRAP: "/nonexistent/bwrap" } })).rejects.toThrow(
      /TANDEM_KERNEL_ISOLATION=sandbox needs bubblewrap \(\/nonexistent\/bwrap\).*TANDEM_KERNEL_ISOLATION=none/s,
    );
  });
});

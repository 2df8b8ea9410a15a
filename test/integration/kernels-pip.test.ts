import { mkdtempSync, rmSync } from "node:fs";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  assertUv,
  createProject,
  createUser,
  makeWheels,
  serveWheels,
  startTestServer,
  type TestServer,
  type TestUser,
  testUvCache,
} from "@tandem/testkit";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type * as Y from "yjs";
import { addCodeCell, type Client, connect, until } from "./collab-clients.ts";

// `%pip install` in a notebook never mutates its environment: it builds the next version of the
// environment's spec and moves the notebook's kernel there (real uv against a local wheel index).
let server: TestServer;
let editor: TestUser;
let projectId: string;
let index: { url: string; close(): Promise<void> };
let wheelsDir: string;
let base: { id: string; kernelspec: string; name: string };

async function settled(id: string) {
  for (;;) {
    const res = await editor.client.get(`/api/environments/${id}`);
    expect(res.status).toBe(200);
    if (res.body.status === "ready" || res.body.status === "failed") return res.body;
    await new Promise((r) => setTimeout(r, 200));
  }
}

beforeAll(async () => {
  assertUv();
  wheelsDir = mkdtempSync(join(tmpdir(), "tandem-pip-wheels-"));
  makeWheels(wheelsDir, [
    { name: "tiny-a", version: "1.0.0", requires: ["tiny-b>=2"] },
    { name: "tiny-b", version: "1.0.0" },
    { name: "tiny-b", version: "2.1.0" },
    { name: "tiny-c", version: "1.0.0" },
  ]);
  index = await serveWheels(wheelsDir);
  server = await startTestServer({ env: { TANDEM_UV_CACHE_DIR: testUvCache } });
  editor = await createUser(server.http, "editor");
  projectId = await createProject(editor.client);
  const created = await editor.client.post("/api/environments", {
    name: "Notebook env",
    requirements: ["tiny-c"],
    indexes: { findLinks: [index.url] },
  });
  expect(created.status).toBe(201);
  const ready = await settled(created.body.id);
  expect(ready.status, ready.error).toBe("ready");
  base = ready;
}, 300_000);
afterAll(async () => {
  await server?.close();
  await index?.close();
  rmSync(wheelsDir, { recursive: true, force: true });
});

const cellOf = (doc: Y.Doc, id: string) =>
  doc
    .getArray<Y.Map<unknown>>("cells")
    .toArray()
    .find((c) => c.get("id") === id)!;
const outputs = (doc: Y.Doc, id: string) =>
  ((cellOf(doc, id).get("outputs") as Y.Array<unknown>).toJSON() ?? []) as any[];
const text = (doc: Y.Doc, id: string) =>
  outputs(doc, id)
    .filter((o) => o.output_type === "stream")
    .map((o) => o.text)
    .join("");
const kernelName = (doc: Y.Doc) => doc.getMap("tandem_kernel").get("name") as string | undefined;
const metaKernelspec = (doc: Y.Doc) =>
  ((doc.getMap("meta").get("metadata") as Y.Map<any>)?.get("kernelspec") as any)?.name;

/** Runs one cell and waits until the server has finished it. */
async function run(client: Client, nb: string, id: string, source: string) {
  addCodeCell(client.doc, id, source);
  const res = await editor.client.post(`/api/notebooks/${nb}/execute`, { cells: [id] });
  expect(res.status).toBe(202);
  // Each cell id runs once: it has run when the server has recorded where it ran.
  await until(
    () => JSON.stringify(cellOf(client.doc, id)?.toJSON().metadata ?? {}).includes("tandem_execution"),
    `cell ${id} to finish`,
    240_000,
  );
}

describe("%pip in a Tandem environment", () => {
  let nb: string;
  let a: Client;
  let b: Client;

  beforeAll(async () => {
    const res = await editor.client.post(`/api/projects/${projectId}/notebooks`, { name: "pip" });
    nb = res.body.id;
    const started = await editor.client.post(`/api/notebooks/${nb}/kernel`, { kernelspec: base.kernelspec });
    expect(started.status).toBe(201);
    a = connect(server.url, nb, { token: editor.token });
    b = connect(server.url, nb, { token: editor.token });
    await a.synced();
    await b.synced();
  }, 120_000);
  afterAll(() => {
    a?.destroy();
    b?.destroy();
  });

  it("installs into a new version of the environment, moves the kernel there, and the package imports", async () => {
    await run(a, nb, "set", "x = 41");
    await run(
      a,
      nb,
      "pip",
      "%pip install tiny-a\nimport tiny_a, tiny_b\nprint('tiny_a', tiny_a.__version__, 'tiny_b', tiny_b.__version__)",
    );
    const out = text(a.doc, "pip");
    expect(outputs(a.doc, "pip").filter((o) => o.output_type === "error")).toEqual([]);
    expect(out).toContain("resolving Notebook env v2");
    expect(out).toContain("uv pip compile"); // the build log, streamed into the cell
    expect(out).toContain("added tiny-a 1.0.0");
    expect(out).toContain("added tiny-b 2.1.0");
    expect(out).toContain("The kernel restarted in the new environment");
    expect(out).toContain("tiny_a 1.0.0 tiny_b 2.1.0");

    const envs = (await editor.client.get("/api/environments")).body as any[];
    const v2 = envs.find((e) => e.name === "Notebook env" && e.version === 2);
    expect(v2.status).toBe("ready");
    expect(v2.spec.requirements).toEqual(expect.arrayContaining(["tiny-c", "tiny-a"]));
    // The base version is untouched: pinned environments never change.
    const v1 = envs.find((e) => e.id === base.id);
    expect(v1.packages.map((p: any) => p.name)).not.toContain("tiny-a");

    // Both clients see the new kernel; the notebook records its environment.
    await until(() => kernelName(b.doc) === v2.kernelspec, "second client to see the new kernel");
    expect(metaKernelspec(b.doc)).toBe(v2.kernelspec);
    const ipynb = await editor.client.get(`/api/notebooks/${nb}/ipynb`);
    expect(ipynb.body.metadata.kernelspec.name).toBe(v2.kernelspec);
    expect(ipynb.body.metadata.tandem_environment).toEqual({ id: v2.id, identity: v2.identity });

    // The kernel state was reset.
    await run(a, nb, "after", "print('x' in globals())");
    expect(text(a.doc, "after")).toContain("False");
  }, 300_000);

  it("answers freeze and list from the lock, and skips what is already there", async () => {
    await run(a, nb, "freeze", "%pip freeze\n%pip list\n%pip install tiny-c");
    const out = text(a.doc, "freeze");
    expect(out).toContain("tiny-a==1.0.0\n");
    expect(out).toMatch(/tiny-b\s+2\.1\.0/);
    expect(out).toContain("Requirement already satisfied: tiny-c==1.0.0");
    expect(out).not.toContain("kernel restarted");
  }, 120_000);

  it("names the conflicting requirement in the cell and keeps no half-made version", async () => {
    const before = ((await editor.client.get("/api/environments")).body as any[]).length;
    const kernelBefore = kernelName(a.doc);
    await run(a, nb, "conflict", '%pip install "tiny-b<2"');
    const errors = outputs(a.doc, "conflict").filter((o) => o.output_type === "error");
    expect(errors).toHaveLength(1);
    expect(errors[0].ename).toBe("ResolutionImpossible");
    expect(errors[0].evalue).toContain("tiny-b<2");
    expect(((await editor.client.get("/api/environments")).body as any[]).length).toBe(before);
    expect(kernelName(a.doc)).toBe(kernelBefore);
  }, 120_000);

  it("an interrupt stops a build under way: the cell says so, and the environment and kernel stay as they were", async () => {
    // An index that never answers holds uv mid-resolution until the interrupt.
    let asked = 0;
    const hung = createServer(() => void asked++);
    await new Promise<void>((ok) => hung.listen(0, "127.0.0.1", ok));
    const port = (hung.address() as AddressInfo).port;
    try {
      const before = ((await editor.client.get("/api/environments")).body as any[]).length;
      const kernelBefore = kernelName(a.doc);
      addCodeCell(a.doc, "stuck", `%pip install --find-links http://127.0.0.1:${port}/ tiny-d`);
      expect((await editor.client.post(`/api/notebooks/${nb}/execute`, { cells: ["stuck"] })).status).toBe(202);
      await until(() => asked > 0, "uv to ask the index that never answers", 120_000);
      expect((await editor.client.post(`/api/notebooks/${nb}/kernel/interrupt`, {})).status).toBe(204);
      await until(
        () => JSON.stringify(cellOf(a.doc, "stuck")?.toJSON().metadata ?? {}).includes("tandem_execution"),
        "the interrupted cell to finish",
        60_000,
      );
      const errors = outputs(a.doc, "stuck").filter((o) => o.output_type === "error");
      expect(errors.map((e) => e.ename)).toEqual(["KeyboardInterrupt"]);
      expect(errors[0].evalue).toMatch(/^%pip install .* tiny-d: interrupted; Notebook env stays at v\d+$/);
      expect(((await editor.client.get("/api/environments")).body as any[]).length).toBe(before);
      expect(kernelName(a.doc)).toBe(kernelBefore);
    } finally {
      hung.closeAllConnections();
      hung.close();
    }
  }, 240_000);

  it("uninstalls by building a version without the requirement", async () => {
    await run(a, nb, "dep", "%pip uninstall -y tiny-b");
    expect(outputs(a.doc, "dep").find((o) => o.output_type === "error")?.evalue).toContain("dependency");
    await run(a, nb, "un", "%pip uninstall -y tiny-a");
    const out = text(a.doc, "un");
    expect(out).toContain("removed tiny-a 1.0.0");
    expect(out).toContain("removed tiny-b 2.1.0");
    await run(
      a,
      nb,
      "gone",
      "import importlib.util as u\nprint(u.find_spec('tiny_a') is None, u.find_spec('tiny_c') is None)",
    );
    expect(text(a.doc, "gone")).toContain("True False");

    // A fresh kernel (another day, another user) starts in the environment the notebook records.
    const recorded = metaKernelspec(a.doc);
    expect(recorded).not.toBe(base.kernelspec);
    expect((await editor.client.delete(`/api/notebooks/${nb}/kernel`)).status).toBe(204);
    await run(a, nb, "fresh", "import tiny_c; print('ok')");
    expect(text(a.doc, "fresh")).toContain("ok");
    expect(kernelName(a.doc)).toBe(recorded);
  }, 300_000);

  it("refuses local paths and unknown options in the cell", async () => {
    await run(a, nb, "local", "%pip install /etc/passwd");
    expect(outputs(a.doc, "local").find((o) => o.output_type === "error")?.evalue).toContain("local path");
    await run(a, nb, "late", "print(1)\n%pip install tiny-c");
    expect(outputs(a.doc, "late").find((o) => o.output_type === "error")?.evalue).toContain("must come first");
  }, 120_000);

  it("moves the notebook to another environment on request, and refuses an unknown one", async () => {
    const res = await editor.client.put(`/api/notebooks/${nb}/kernel`, { kernelspec: base.kernelspec });
    expect(res.status).toBe(200);
    expect(res.body.kernel.name).toBe(base.kernelspec);
    await until(() => kernelName(b.doc) === base.kernelspec && metaKernelspec(b.doc) === base.kernelspec, "switch");
    await run(a, nb, "back", "import importlib.util as u\nprint(u.find_spec('tiny_a') is None)");
    expect(text(a.doc, "back")).toContain("True");
    const bad = await editor.client.put(`/api/notebooks/${nb}/kernel`, { kernelspec: "no-such-env" });
    expect(bad.status).toBe(400);
    expect(bad.body.error.message).toContain("no-such-env");
    expect(kernelName(a.doc)).toBe(base.kernelspec);
  }, 120_000);
});

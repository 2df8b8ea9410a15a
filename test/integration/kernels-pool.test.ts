import { type TestServer, type TestUser, testPython, usePreamble } from "@tandem/testkit";
import { describe, expect, it } from "vitest";
import type * as Y from "yjs";
import { addCodeCell, connect, until } from "./collab-clients.ts";

let server: TestServer;
let owner: TestUser;
let projectId: string;

usePreamble({ kernels: true, env: { TANDEM_KERNEL_POOL_SIZE: "1" }, users: ["owner"], project: {} }, (p) => {
  ({
    server,
    projectId,
    users: { owner },
  } = p);
});

const kernels = () => server.server!.kernels;

function outputText(doc: Y.Doc, id: string): string {
  const cell = doc
    .getArray<Y.Map<unknown>>("cells")
    .toArray()
    .find((c) => c.get("id") === id)!;
  return ((cell.get("outputs") as Y.Array<any>).toJSON() as any[]).map((o) => o.text ?? "").join("");
}

describe("kernel pool and launch hooks", () => {
  it("serves a notebook from a pre-started kernel that then carries the notebook's identity", async () => {
    const first = await owner.client.post("/api/kernels", { name: "python3" });
    expect(first.status).toBe(201);
    await until(() => kernels().stats().pooled === 1, "the pool to fill", 60_000);

    // A sandboxed kernel mounts its project's directory when it starts, so pools are per project:
    // the project's first kernel starts fresh, and fills the project's pool.
    const who =
      "import os\nstarted_with = 'TANDEM_NOTEBOOK_ID' in open('/proc/self/environ').read()\n" +
      "print(os.environ['TANDEM_NOTEBOOK_ID'], os.getcwd().endswith(os.environ['TANDEM_PROJECT_ID']), started_with)";
    const run = async (name: string) => {
      const nb = (await owner.client.post(`/api/projects/${projectId}/notebooks`, { name })).body.id;
      const client = connect(server.url, nb, { token: owner.token });
      await client.synced();
      addCodeCell(client.doc, "who", who);
      expect((await owner.client.post(`/api/notebooks/${nb}/execute`, { cells: ["who"] })).status).toBe(202);
      await until(() => outputText(client.doc, "who") !== "", "the cell's output", 30_000);
      const out = outputText(client.doc, "who");
      client.destroy();
      return { nb, out };
    };
    const fresh = await run("fresh");
    // Its process was started with the notebook's identity.
    expect(fresh.out).toBe(`${fresh.nb} True True\n`);
    await until(() => kernels().stats().pooled === 2, "the project's pool to fill", 60_000);
    const pooled = await run("pooled");
    // A pre-started process, given the notebook's identity and directory before any user code.
    expect(pooled.out).toBe(`${pooled.nb} True False\n`);
    // The pooled kernel was taken (the pool refills behind it).
    await until(() => kernels().stats().pooled === 2, "the pool to refill", 60_000);
    expect(kernels().stats().running).toBe(3);
    await owner.client.delete(`/api/notebooks/${fresh.nb}/kernel`);
    await owner.client.delete(`/api/notebooks/${pooled.nb}/kernel`);
    await owner.client.delete(`/api/kernels/${first.body.id}`);
  });

  it("lets other services contribute kernelspecs and shape launches", async () => {
    const remove = kernels().registerKernelspecSource(() => [
      {
        name: "env-abc",
        argv: [testPython, "-m", "ipykernel_launcher", "-f", "{connection_file}"],
        display_name: "Environment abc",
        language: "python",
        interrupt_mode: "signal",
        env: { FROM_SPEC: "spec" },
        metadata: {},
      },
    ]);
    const released: string[] = [];
    const unhook = kernels().registerLaunchHook((ctx) =>
      ctx.spec.name === "env-abc"
        ? {
            env: { CUDA_VISIBLE_DEVICES: "GPU-test", FROM_HOOK: ctx.kernelId },
            record: { environmentId: "abc", gpus: ["GPU-test"] },
            release: () => void released.push(ctx.kernelId),
          }
        : undefined,
    );
    const executions: import("@tandem/kernels").ExecutionRecord[] = [];
    const unlisten = kernels().onExecution((r) => void executions.push(r));
    const listed = await owner.client.get("/api/kernelspecs");
    expect(listed.body.kernelspecs["env-abc"].spec.display_name).toBe("Environment abc");

    const nb = (await owner.client.post(`/api/projects/${projectId}/notebooks`, { name: "hooked" })).body.id;
    const client = connect(server.url, nb, { token: owner.token });
    await client.synced();
    addCodeCell(
      client.doc,
      "env",
      "import os\nprint(os.environ['FROM_SPEC'], os.environ['CUDA_VISIBLE_DEVICES'], os.environ['FROM_HOOK'])",
    );
    await owner.client.post(`/api/notebooks/${nb}/execute`, { cells: ["env"], kernelspec: "env-abc" });
    await until(() => outputText(client.doc, "env") !== "", "the cell's output", 60_000);
    const kernel = (await owner.client.get(`/api/notebooks/${nb}/kernel`)).body.kernel;
    expect(kernel.name).toBe("env-abc");
    expect(outputText(client.doc, "env")).toBe(`spec GPU-test ${kernel.id}\n`);
    expect(released).toEqual([]);
    await until(() => executions.length === 1, "the execution to be recorded");
    expect(executions[0]).toMatchObject({
      notebookId: nb,
      cellId: "env",
      kernelId: kernel.id,
      kernelspec: "env-abc",
      userId: owner.id,
      status: "ok",
      executionCount: 1,
      launch: { environmentId: "abc", gpus: ["GPU-test"] },
    });
    // The record also stays with the notebook: in the cell's metadata, so in its .ipynb.
    await until(
      () => !!cellMetadata(client.doc, "env")?.tandem_execution,
      "the execution's record in the cell's metadata",
    );
    expect(cellMetadata(client.doc, "env")!.tandem_execution).toMatchObject({
      kernelspec: "env-abc",
      status: "ok",
      environmentId: "abc",
      gpus: ["GPU-test"],
    });
    const exported = await owner.client.get(`/api/notebooks/${nb}/ipynb`);
    expect(exported.body.cells[0].metadata.tandem_execution.environmentId).toBe("abc");
    unlisten();
    await owner.client.delete(`/api/notebooks/${nb}/kernel`);
    expect(released).toEqual([kernel.id]);
    client.destroy();
    unhook();
    remove();
  });
});

function cellMetadata(doc: import("yjs").Doc, id: string): Record<string, any> | undefined {
  const cell = doc
    .getArray<import("yjs").Map<any>>("cells")
    .toArray()
    .find((c) => c.get("id") === id);
  return cell?.get("metadata")?.toJSON();
}

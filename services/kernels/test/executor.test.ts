import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { cellsOf, cellToY, createNotebookDoc } from "@tandem/notebook";
import { pythonKernelspecs } from "@tandem/testkit";
import pino from "pino";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createKernels, type Kernels } from "../src/index.ts";

let specs: Awaited<ReturnType<typeof pythonKernelspecs>>;
let dir: string;
let kernels: Kernels;
const doc = createNotebookDoc();

beforeAll(async () => {
  specs = await pythonKernelspecs();
  dir = await mkdtemp(join(tmpdir(), "tandem-executor-"));
  kernels = createKernels({
    log: pino({ level: "silent" }),
    runtimeDir: join(dir, "runtime"),
    workDir: join(dir, "work"),
    kernelspecDirs: [specs.dir],
    defaultKernelspec: "python3",
    openDoc: async () => ({ doc, release() {} }),
  });
});
afterAll(async () => {
  await kernels?.close();
  await specs?.remove();
  if (dir) await rm(dir, { recursive: true, force: true });
});

function code(id: string, source: string) {
  cellsOf(doc).push([cellToY({ id, cell_type: "code", source, metadata: {}, outputs: [], execution_count: null })]);
}

describe("the executor's per-cell outcomes", () => {
  it("resolves each queued cell to ok, error (with the exception) or cancelled", async () => {
    code("a", "x = 40 + 2");
    code("b", "raise ValueError('bad input')");
    code("c", "print(x)");
    const owner = { user: { id: "u1" }, notebookId: "nb" };
    const queued = await kernels.notebooks.execute("nb", owner, { cells: "all" });
    expect(queued.map((q) => q.cellId)).toEqual(["a", "b", "c"]);
    const [a, b, c] = await Promise.all(queued.map((q) => q.outcome));
    expect(a).toEqual({ status: "ok", executionCount: 1 });
    expect(b).toEqual({ status: "error", ename: "ValueError", evalue: "bad input", executionCount: 2 });
    // Like Jupyter, an error stops the rest of the queue.
    expect(c).toMatchObject({ status: "cancelled" });

    const [again] = await kernels.notebooks.execute("nb", owner, { cells: ["c"] });
    expect(await again!.outcome).toEqual({ status: "ok", executionCount: 3 });
  });
});

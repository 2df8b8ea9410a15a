import { createUser, type TestServer, type TestUser, usePreamble } from "@tandem/testkit";
import { describe, expect, it } from "vitest";
import type * as Y from "yjs";
import { addCodeCell, type Client, connect, until } from "./collab-clients.ts";

let server: TestServer;
let owner: TestUser;
let viewer: TestUser;
let projectId: string;
const LIMIT = 20_000;

usePreamble(
  {
    kernels: true,
    env: { TANDEM_STREAM_OUTPUT_LIMIT: String(LIMIT) },
    users: ["owner", "viewer"],
    project: { members: { viewer: "viewer" } },
  },
  (p) => {
    ({
      server,
      projectId,
      users: { owner, viewer },
    } = p);
  },
);

async function notebook(name: string): Promise<string> {
  const res = await owner.client.post(`/api/projects/${projectId}/notebooks`, { name });
  expect(res.status).toBe(201);
  return res.body.id;
}

function cell(doc: Y.Doc, id: string): Y.Map<unknown> {
  const found = doc
    .getArray<Y.Map<unknown>>("cells")
    .toArray()
    .find((c) => c.get("id") === id);
  if (!found) throw new Error(`no cell ${id}`);
  return found;
}
const outputs = (doc: Y.Doc, id: string) =>
  ((cell(doc, id).get("outputs") as Y.Array<unknown>)?.toJSON() ?? []) as any[];
const idle = (doc: Y.Doc, id: string) =>
  cell(doc, id).get("execution_state") === "idle" && cell(doc, id).get("execution_count") !== null;
const kernelState = (doc: Y.Doc) => doc.getMap("tandem_kernel").get("state");

async function withCells(nb: string, cells: [string, string][]): Promise<Client> {
  const writer = connect(server.url, nb, { token: owner.token });
  await writer.synced();
  for (const [id, source] of cells) addCodeCell(writer.doc, id, source);
  return writer;
}

async function execute(nb: string, body: Record<string, unknown>, who = owner) {
  return who.client.post(`/api/notebooks/${nb}/execute`, body);
}

describe("execution into the shared document", () => {
  it("writes every kind of output for a second client to see", async () => {
    const nb = await notebook("outputs");
    const writer = await withCells(nb, [
      // Flushed, so stdout and stderr arrive in this order (ipykernel buffers each apart).
      [
        "stream",
        "import sys\nprint('a'); print('b', flush=True)\nprint('oops', file=sys.stderr, flush=True)\nprint('c')",
      ],
      ["rich", "from IPython.display import display, HTML\ndisplay(HTML('<b>hi</b>'))\n6*7"],
      ["error", "1/0"],
      ["clear", "from IPython.display import clear_output\nprint('gone')\nclear_output(wait=True)\nprint('kept')"],
      ["show", "h = display('v1', display_id='d1')"],
      ["update", "h.update('v2')"],
    ]);
    const watcher = connect(server.url, nb, { token: viewer.token });
    await watcher.synced();

    const res = await execute(nb, { cells: ["stream", "rich", "clear", "show", "update"] });
    expect(res.status).toBe(202);
    expect(res.body.cells).toEqual(["stream", "rich", "clear", "show", "update"]);
    const d = watcher.doc;
    await until(() => idle(d, "update"), "the last cell to finish", 60_000);

    expect(outputs(d, "stream")).toEqual([
      { output_type: "stream", name: "stdout", text: "a\nb\n" },
      { output_type: "stream", name: "stderr", text: "oops\n" },
      { output_type: "stream", name: "stdout", text: "c\n" },
    ]);
    const rich = outputs(d, "rich");
    expect(rich[0]).toMatchObject({ output_type: "display_data", data: { "text/html": "<b>hi</b>" } });
    expect(rich[1]).toMatchObject({ output_type: "execute_result", data: { "text/plain": "42" } });
    expect(rich[1].execution_count).toBe(cell(d, "rich").get("execution_count"));
    expect(outputs(d, "clear")).toEqual([{ output_type: "stream", name: "stdout", text: "kept\n" }]);
    expect(outputs(d, "show")).toEqual([{ output_type: "display_data", data: { "text/plain": "'v2'" }, metadata: {} }]);
    expect(outputs(d, "update")).toEqual([]);
    expect(cell(d, "stream").get("execution_count")).toBe(1);

    const clearCount = cell(d, "clear").get("execution_count");
    // Cells run in document order; "clear" comes after "error".
    const err = await execute(nb, { cells: ["clear", "error"] });
    expect(err.status).toBe(202);
    await until(() => idle(d, "error"), "the failing cell to finish", 30_000);
    const [e] = outputs(d, "error");
    expect(e).toMatchObject({ output_type: "error", ename: "ZeroDivisionError" });
    expect(e.traceback.join("\n")).toContain("division by zero");
    // An error stops the queue, as in Jupyter: the next cell was not run again.
    await until(() => cell(d, "clear").get("execution_state") === "idle", "the queue to be dropped");
    expect(cell(d, "clear").get("execution_count")).toBe(clearCount);

    expect(kernelState(d)).toBe("idle");
    writer.destroy();
    watcher.destroy();
    expect((await owner.client.delete(`/api/notebooks/${nb}/kernel`)).status).toBe(204);
  });

  it("reads the source when the cell starts, and runs on with no client attached", async () => {
    const nb = await notebook("headless");
    const writer = await withCells(nb, [
      ["slow", "import time\nfor i in range(5):\n    print(i, flush=True)\n    time.sleep(0.2)"],
      ["later", "print('old source')"],
    ]);
    expect((await execute(nb, { cells: "all" })).status).toBe(202);
    // Edited while queued: the run uses what the cell says when it starts.
    const source = cell(writer.doc, "later").get("source") as Y.Text;
    writer.doc.transact(() => {
      source.delete(0, source.length);
      source.insert(0, "print('new source')");
    });
    await until(() => cell(writer.doc, "slow").get("execution_state") === "running", "the run to start");
    // Collaborators see the rest of the queue waiting.
    expect(cell(writer.doc, "later").get("execution_state")).toBe("queued");
    writer.destroy();

    // Nobody is watching now; the run goes on and lands in the server's document.
    await until(
      async () => (await owner.client.get(`/api/notebooks/${nb}/kernel`)).body.running === null,
      "the run to end",
      30_000,
    );
    const late = connect(server.url, nb, { token: owner.token });
    await late.synced();
    expect(outputs(late.doc, "slow")).toEqual([{ output_type: "stream", name: "stdout", text: "0\n1\n2\n3\n4\n" }]);
    expect(outputs(late.doc, "later")).toEqual([{ output_type: "stream", name: "stdout", text: "new source\n" }]);
    late.destroy();
    await owner.client.delete(`/api/notebooks/${nb}/kernel`);
  });

  it("interrupts a sleeping cell", async () => {
    const nb = await notebook("interrupt");
    const writer = await withCells(nb, [
      ["sleep", "import time\nprint('sleeping', flush=True)\ntime.sleep(60)"],
      ["after", "1"],
    ]);
    await execute(nb, { cells: "all" });
    await until(() => outputs(writer.doc, "sleep").length > 0, "the cell to start sleeping", 30_000);
    expect((await owner.client.post(`/api/notebooks/${nb}/kernel/interrupt`)).status).toBe(204);
    await until(() => outputs(writer.doc, "sleep").some((o) => o.output_type === "error"), "the interrupt");
    expect(outputs(writer.doc, "sleep").at(-1)).toMatchObject({ ename: "KeyboardInterrupt" });
    await until(() => cell(writer.doc, "after").get("execution_state") === "idle", "the queue to be dropped");
    expect(cell(writer.doc, "after").get("execution_count")).toBeNull();
    // The kernel is still the same, alive one.
    await execute(nb, { cells: ["after"] });
    await until(() => idle(writer.doc, "after"), "a run after the interrupt");
    writer.destroy();
    await owner.client.delete(`/api/notebooks/${nb}/kernel`);
  });

  it("reports a dead kernel, fails the queue, and restarts", async () => {
    const nb = await notebook("dead");
    const writer = await withCells(nb, [
      ["keep", "x = 1\nprint('kept output')"],
      ["die", "import os\nos._exit(1)"],
      ["queued", "print('never')"],
    ]);
    await execute(nb, { cells: ["keep"] });
    await until(() => idle(writer.doc, "keep"), "the first cell");
    await execute(nb, { cells: ["die", "queued"] });
    await until(() => kernelState(writer.doc) === "dead", "the kernel to be reported dead", 30_000);
    await until(() => outputs(writer.doc, "die").length > 0, "the error on the running cell");
    expect(outputs(writer.doc, "die")[0]).toMatchObject({ output_type: "error", ename: "KernelError" });
    expect(outputs(writer.doc, "die")[0].evalue).toMatch(/kernel died/i);
    await until(() => cell(writer.doc, "queued").get("execution_state") === "idle", "the queued cell to be failed");
    expect(outputs(writer.doc, "queued")).toEqual([]);
    // The notebook is intact.
    expect(outputs(writer.doc, "keep")).toEqual([{ output_type: "stream", name: "stdout", text: "kept output\n" }]);

    const refused = await execute(nb, { cells: ["queued"] });
    expect(refused.status).toBe(409);
    expect(refused.body.error.code).toBe("kernel_dead");

    const restarted = await owner.client.post(`/api/notebooks/${nb}/kernel/restart`, {});
    expect(restarted.status).toBe(200);
    expect(restarted.body.kernel.execution_state).toBe("idle");
    await execute(nb, { cells: ["queued"] });
    await until(() => idle(writer.doc, "queued"), "a run on the fresh kernel", 30_000);
    expect(outputs(writer.doc, "queued")).toEqual([{ output_type: "stream", name: "stdout", text: "never\n" }]);
    writer.destroy();
    await owner.client.delete(`/api/notebooks/${nb}/kernel`);
  });

  it("caps huge stream output, keeping head, tail and a marker", async () => {
    const nb = await notebook("huge");
    const writer = await withCells(nb, [["flood", "for i in range(200_000):\n    print(i)"]]);
    await execute(nb, { cells: ["flood"] });
    await until(() => idle(writer.doc, "flood"), "the flood to end", 120_000);
    const outs = outputs(writer.doc, "flood");
    const text = outs.map((o) => o.text).join("");
    expect(text.length).toBeLessThan(LIMIT + 500);
    expect(text.startsWith("0\n1\n2\n")).toBe(true);
    expect(text.endsWith("199998\n199999\n")).toBe(true);
    expect(text).toMatch(/Tandem: [\d,]+ characters \([\d,]+ lines\) of output dropped/);
    writer.destroy();
    await owner.client.delete(`/api/notebooks/${nb}/kernel`);
  });

  it("gives the kernel its notebook, user, API URL and a project-scoped token, and none of the server's secrets", async () => {
    const nb = await notebook("env");
    const writer = await withCells(nb, [
      [
        "env",
        "import os, json, urllib.request\n" +
          "req = urllib.request.Request(os.environ['TANDEM_API_URL'] + '/notebooks/' + os.environ['TANDEM_NOTEBOOK_ID'], headers={'Authorization': 'Bearer ' + os.environ['TANDEM_API_TOKEN']})\n" +
          "nb = json.load(urllib.request.urlopen(req))\n" +
          "print(json.dumps({'nb': nb['id'], 'user': os.environ.get('TANDEM_USER'), 'cwd': os.getcwd(), 'db': 'DATABASE_URL' in os.environ, 'admin': 'TANDEM_TOKEN' in os.environ}))",
      ],
    ]);
    await execute(nb, { cells: ["env"] });
    await until(() => idle(writer.doc, "env"), "the cell", 30_000);
    const out = outputs(writer.doc, "env");
    expect(out[0]?.output_type).toBe("stream");
    const seen = JSON.parse(out[0].text);
    expect(seen).toMatchObject({ nb, user: owner.email, db: false, admin: false });
    expect(seen.cwd).toContain(projectId);
    writer.destroy();
    await owner.client.delete(`/api/notebooks/${nb}/kernel`);
  });

  it("sends input() prompts to the asker and their answer back", async () => {
    const nb = await notebook("input");
    const writer = await withCells(nb, [["ask", "name = input('Name? ')\nprint('hello', name)"]]);
    await execute(nb, { cells: ["ask"], clientId: writer.doc.clientID });
    const kernelMap = writer.doc.getMap<any>("tandem_kernel");
    await until(() => Boolean(kernelMap.get("input_request")), "the prompt", 30_000);
    expect(kernelMap.get("input_request")).toMatchObject({
      cellId: "ask",
      prompt: "Name? ",
      clientId: writer.doc.clientID,
    });
    expect((await viewer.client.post(`/api/notebooks/${nb}/input`, { value: "x" })).status).toBe(403);
    expect((await owner.client.post(`/api/notebooks/${nb}/input`, { value: "Ada" })).status).toBe(204);
    await until(() => idle(writer.doc, "ask"), "the cell", 30_000);
    expect(
      outputs(writer.doc, "ask")
        .map((o) => o.text)
        .join(""),
    ).toContain("hello Ada");
    expect(kernelMap.get("input_request")).toBeUndefined();
    writer.destroy();
    await owner.client.delete(`/api/notebooks/${nb}/kernel`);
  });

  it("lets viewers watch but not execute, interrupt or restart", async () => {
    const nb = await notebook("viewers");
    for (const [path, body] of [
      ["execute", { cells: "all" }],
      ["kernel/interrupt", undefined],
      ["kernel/restart", {}],
    ] as const) {
      const res = await viewer.client.post(`/api/notebooks/${nb}/${path}`, body);
      expect(res.status, path).toBe(403);
    }
    expect((await viewer.client.get(`/api/notebooks/${nb}/kernel`)).status).toBe(200);
    const stranger = await createUser(server.http, "stranger");
    expect((await stranger.client.post(`/api/notebooks/${nb}/execute`, { cells: "all" })).status).toBe(404);
  });
});

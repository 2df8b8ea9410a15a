import { type TestServer, type TestUser, usePreamble } from "@tandem/testkit";
import { describe, expect, it } from "vitest";
import WebSocket from "ws";
import type * as Y from "yjs";
import { addCodeCell, connect, until } from "./collab-clients.ts";

let server: TestServer;
let owner: TestUser;
let viewer: TestUser;
let projectId: string;

// Message-mode interrupts (interrupt_request on control), and a short idle time.
usePreamble(
  {
    kernels: { interruptMode: "message" },
    env: { TANDEM_KERNEL_IDLE_TIMEOUT: "1" },
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

const cell = (doc: Y.Doc, id: string) =>
  doc
    .getArray<Y.Map<unknown>>("cells")
    .toArray()
    .find((c) => c.get("id") === id)!;
const outputs = (doc: Y.Doc, id: string) => (cell(doc, id).get("outputs") as Y.Array<unknown>).toJSON() as any[];

/** Opens a channels socket; resolves with the HTTP status when the upgrade is refused. */
function channels(kernelId: string, token: string): Promise<WebSocket | number> {
  const ws = new WebSocket(`${server.url.replace(/^http/, "ws")}/api/kernels/${kernelId}/channels?token=${token}`);
  return new Promise((resolve) => {
    ws.once("open", () => resolve(ws));
    ws.once("unexpected-response", (_req, res) => resolve(res.statusCode ?? 0));
  });
}

describe("a notebook's kernel over its life", () => {
  it("shows its state to collaborators, interrupts by message, restarts and runs all, is watchable by viewers", async () => {
    const nb = (await owner.client.post(`/api/projects/${projectId}/notebooks`, { name: "life" })).body.id;
    const client = connect(server.url, nb, { token: owner.token });
    await client.synced();
    addCodeCell(client.doc, "a", "n = 41");
    addCodeCell(client.doc, "b", "n + 1");
    addCodeCell(client.doc, "sleep", "import time\ntime.sleep(60)");
    const kernelMap = client.doc.getMap<any>("tandem_kernel");
    // Every state the document went through, in order: a busy state can last milliseconds, too short to poll for.
    const states: string[] = [];
    kernelMap.observe(() => {
      const state = kernelMap.get("state");
      if (state !== states.at(-1)) states.push(state);
    });
    const seenBusy = (from: number) => states.slice(from).includes("busy");

    expect((await owner.client.post(`/api/notebooks/${nb}/execute`, { cells: "below", cellId: "b" })).status).toBe(202);
    await until(() => seenBusy(0), "the kernel to be seen busy", 30_000);
    const kernelId = kernelMap.get("id");
    expect(kernelMap.get("display_name")).toBe("Python 3 (test)");
    await until(() => outputs(client.doc, "b").length > 0, "cell b's error");
    expect(outputs(client.doc, "b")[0]).toMatchObject({ ename: "NameError" });
    await until(() => cell(client.doc, "sleep").get("execution_state") === "idle", "the queue to be dropped");

    // Through the Jupyter API the notebook's kernel follows the notebook's roles.
    expect((await viewer.client.get(`/api/kernels/${kernelId}`)).status).toBe(200);
    expect((await viewer.client.post(`/api/kernels/${kernelId}/interrupt`)).status).toBe(403);
    const watch = await channels(kernelId, viewer.token);
    expect(watch).toBeInstanceOf(WebSocket);
    const seen: string[] = [];
    (watch as WebSocket).on("message", (data) => seen.push(JSON.parse(data.toString()).msg_type));

    const beforeSleep = states.length;
    await owner.client.post(`/api/notebooks/${nb}/execute`, { cells: ["sleep"] });
    await until(() => seenBusy(beforeSleep), "the sleep to start");
    expect((await owner.client.post(`/api/notebooks/${nb}/kernel/interrupt`)).status).toBe(204);
    await until(() => outputs(client.doc, "sleep").some((o) => o.ename === "KeyboardInterrupt"), "the interrupt");
    expect(seen).toContain("execute_input");

    const restarted = await owner.client.post(`/api/notebooks/${nb}/kernel/restart`, { runAll: true });
    expect(restarted.status).toBe(200);
    expect(restarted.body.kernel.id).toBe(kernelId);
    await until(
      () => outputs(client.doc, "b").length > 0 && outputs(client.doc, "b")[0].output_type === "execute_result",
      "run all",
      30_000,
    );
    expect(outputs(client.doc, "b")[0].data["text/plain"]).toBe("42");
    (watch as WebSocket).close();
    // The run-all reached the sleeping cell: stop it so the kernel can go idle.
    await until(() => cell(client.doc, "sleep").get("execution_state") === "running", "the sleep to be reached");
    await owner.client.post(`/api/notebooks/${nb}/kernel/interrupt`);

    // Idle and unwatched: it is shut down after the idle time, and the document says so.
    await until(() => kernelMap.get("state") === "dead", "the idle kernel to be shut down", 30_000);
    expect((await owner.client.get(`/api/kernels/${kernelId}`)).status).toBe(404);
    expect((await owner.client.get(`/api/notebooks/${nb}/kernel`)).body.kernel).toBeNull();
    expect(await channels(kernelId, owner.token)).toBe(404);
    client.destroy();
  });
});

import { KernelAPI, KernelManager, KernelSpecManager, ServerConnection, SessionManager } from "@jupyterlab/services";
import { createProject, createUser, pythonKernelspecs, startTestServer, type TestServer } from "@tandem/testkit";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import WebSocket from "ws";

let server: TestServer;
let specs: Awaited<ReturnType<typeof pythonKernelspecs>>;
let settings: ServerConnection.ISettings;

beforeAll(async () => {
  specs = await pythonKernelspecs();
  server = await startTestServer({ env: specs.env });
  settings = ServerConnection.makeSettings({
    baseUrl: `${server.url}/`,
    wsUrl: `${server.url.replace(/^http/, "ws")}/`,
    token: server.adminToken,
    appendToken: true,
    WebSocket: WebSocket as unknown as typeof globalThis.WebSocket,
    fetch: globalThis.fetch,
    Request: globalThis.Request,
    Headers: globalThis.Headers,
  });
});
afterAll(async () => {
  await server?.close();
  await specs?.remove();
});

/** Runs code on a kernel connection and gathers its iopub outputs until the reply. */
async function run(kernel: import("@jupyterlab/services").Kernel.IKernelConnection, code: string) {
  const outputs: { type: string; content: Record<string, unknown> }[] = [];
  const future = kernel.requestExecute({ code });
  future.onIOPub = (msg) => {
    outputs.push({ type: msg.header.msg_type, content: msg.content as Record<string, unknown> });
  };
  const reply = await future.done;
  return { reply, outputs };
}

describe("@jupyterlab/services against Tandem", () => {
  it("lists kernelspecs in Jupyter's shape", async () => {
    const manager = new KernelSpecManager({ serverSettings: settings });
    await manager.ready;
    await manager.refreshSpecs();
    expect(manager.specs?.default).toBe("python3");
    expect(manager.specs?.kernelspecs.python3?.language).toBe("python");
    manager.dispose();
  });

  it("starts a kernel, executes code, interrupts, restarts and shuts it down", async () => {
    const manager = new KernelManager({ serverSettings: settings });
    await manager.ready;
    const kernel = await manager.startNew({ name: "python3" });
    expect(kernel.id).toMatch(/^[0-9a-f-]{36}$/);
    const info = await kernel.info;
    expect(info.language_info.name).toBe("python");

    const { reply, outputs } = await run(kernel, "print('hello'); 6*7");
    expect(reply.content.status).toBe("ok");
    expect(outputs.find((o) => o.type === "stream")?.content.text).toBe("hello\n");
    const result = outputs.find((o) => o.type === "execute_result")?.content as { data: Record<string, string> };
    expect(result.data["text/plain"]).toBe("42");
    // status messages bracket the request
    const states = outputs.filter((o) => o.type === "status").map((o) => o.content.execution_state);
    expect(states).toEqual(["busy", "idle"]);

    // Interrupt once the code is surely running (a SIGINT inside ipykernel's own machinery, just
    // before user code starts, is a known ipykernel hazard that Jupyter shares).
    const sleeping = kernel.requestExecute({ code: "import time; print('sleeping', flush=True); time.sleep(60)" });
    await new Promise<void>((resolve) => {
      sleeping.onIOPub = (msg) => {
        if (msg.header.msg_type === "stream") resolve();
      };
    });
    await kernel.interrupt();
    const interrupted = await sleeping.done.catch((e) => e);
    expect(interrupted.content.status).toBe("error");
    expect(interrupted.content.ename).toBe("KeyboardInterrupt");

    await run(kernel, "x = 1");
    await kernel.restart();
    await kernel.info;
    const after = await run(kernel, "'x' in dir()");
    const res = after.outputs.find((o) => o.type === "execute_result")?.content as { data: Record<string, string> };
    expect(res.data["text/plain"]).toBe("False");

    const listed = await KernelAPI.listRunning(settings);
    expect(listed.map((k) => k.id)).toContain(kernel.id);
    await kernel.shutdown();
    expect((await KernelAPI.listRunning(settings)).map((k) => k.id)).not.toContain(kernel.id);
    expect(await KernelAPI.getKernelModel(kernel.id, settings)).toBeUndefined();
    manager.dispose();
  });

  it("starts a session and executes through it", async () => {
    const kernelManager = new KernelManager({ serverSettings: settings });
    const sessions = new SessionManager({ serverSettings: settings, kernelManager });
    await sessions.ready;
    const session = await sessions.startNew({
      path: "analysis.ipynb",
      name: "analysis.ipynb",
      type: "notebook",
      kernel: { name: "python3" },
    });
    const { reply } = await run(session.kernel!, "1+1");
    expect(reply.content.status).toBe("ok");
    await session.shutdown();
    sessions.dispose();
    kernelManager.dispose();
  });

  it("keeps kernels to their owner", async () => {
    const alice = await createUser(server.http, "alice");
    const bob = await createUser(server.http, "bob");
    await createProject(alice.client);
    const started = await alice.client.post("/api/kernels", { name: "python3" });
    expect(started.status).toBe(201);
    expect(started.headers.get("location")).toBe(`/api/kernels/${started.body.id}`);
    expect((await bob.client.get(`/api/kernels/${started.body.id}`)).status).toBe(404);
    expect((await bob.client.delete(`/api/kernels/${started.body.id}`)).status).toBe(404);
    expect((await bob.client.get("/api/kernels")).body).toEqual([]);
    expect((await server.http.get("/api/kernels")).status).toBe(401);
    // Running code needs the editor role somewhere: bob has no project.
    expect((await bob.client.post("/api/kernels", { name: "python3" })).status).toBe(403);
    expect((await alice.client.delete(`/api/kernels/${started.body.id}`)).status).toBe(204);
  });
});

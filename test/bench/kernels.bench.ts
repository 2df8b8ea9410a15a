// Kernel gateway benchmark: Tandem against stock Jupyter Server (pip-installed into .venv-test)
// and, as the floor, a client speaking ZeroMQ straight to the kernel, all against the same
// ipykernel in the same run. Prints:
//  (a) round-trip latency p50/p99 of `1+1` (execute_request until execute_reply and idle) over each
//      server's channels WebSocket, and over ZeroMQ directly;
//  (b) time from "start kernel" to the first result (Tandem with its warm pool; Jupyter cold);
//  (c) stream throughput of `for i in range(N): print(i)` until it is in Tandem's document (seen by a
//      y-websocket client) vs until Jupyter Server has delivered it over its WebSocket, with the
//      latency of a collaborator's edits while (c) runs.
// Not a test: `npx tsx test/bench/kernels.bench.ts`. BENCH_ROUNDS (300), BENCH_STARTS (5), BENCH_LINES (1e6).
import { type ChildProcess, spawn } from "node:child_process";
import { createHmac, randomBytes, randomUUID } from "node:crypto";
import { existsSync } from "node:fs";
import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createProject, createUser, repoRoot, startTestServer } from "@tandem/testkit";
import WebSocket from "ws";
import { WebsocketProvider } from "y-websocket";
import * as Y from "yjs";
import { Dealer, Subscriber } from "zeromq";

const num = (name: string, fallback: number) => Number(process.env[name] ?? fallback);
const ROUNDS = num("BENCH_ROUNDS", 300);
const STARTS = num("BENCH_STARTS", 5);
const LINES = num("BENCH_LINES", 1_000_000);
const python = join(repoRoot, ".venv-test/bin/python");
const jupyterServer = join(repoRoot, ".venv-test/bin/jupyter-server");
if (!existsSync(jupyterServer)) {
  throw new Error("No Jupyter Server in .venv-test: run `bash scripts/setup-test-env.sh` (test/requirements.txt)");
}

const pct = (xs: number[], p: number) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))]!;
};
const ms = (x: number) => `${x.toFixed(2)} ms`;
const sleep = (t: number) => new Promise((r) => setTimeout(r, t));

async function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const s = createServer();
    s.listen(0, "127.0.0.1", () => {
      const { port } = s.address() as { port: number };
      s.close(() => resolve(port));
    });
  });
}

/** A Jupyter channels WebSocket client (JSON protocol, which both servers speak). */
class Channels {
  private waiters = new Map<string, { reply: boolean; idle: boolean; resolve: () => void; bytes: number }>();
  readonly session = randomUUID();
  constructor(readonly ws: WebSocket) {
    ws.on("message", (data) => {
      const msg = JSON.parse(data.toString());
      const w = this.waiters.get(msg.parent_header?.msg_id);
      if (!w) return;
      if (msg.msg_type === "stream") w.bytes += msg.content.text.length;
      if (msg.msg_type === "execute_reply") w.reply = true;
      if (msg.msg_type === "status" && msg.content.execution_state === "idle") w.idle = true;
      if (w.reply && w.idle) {
        this.waiters.delete(msg.parent_header.msg_id);
        w.resolve();
      }
    });
  }
  static open(url: string): Promise<Channels> {
    const ws = new WebSocket(url, { perMessageDeflate: false });
    return new Promise((resolve, reject) => {
      ws.once("open", () => {
        (ws as unknown as { _socket: import("node:net").Socket })._socket.setNoDelay(true);
        resolve(new Channels(ws));
      });
      ws.once("error", reject);
    });
  }
  /** Sends an execute_request; resolves with the stream characters seen, once reply and idle arrived. */
  execute(code: string): Promise<number> {
    const msgId = randomUUID();
    return new Promise((resolve) => {
      const w = { reply: false, idle: false, bytes: 0, resolve: () => resolve(w.bytes) };
      this.waiters.set(msgId, w);
      this.ws.send(
        JSON.stringify({
          channel: "shell",
          header: {
            msg_id: msgId,
            msg_type: "execute_request",
            session: this.session,
            username: "bench",
            date: new Date().toISOString(),
            version: "5.3",
          },
          parent_header: {},
          metadata: {},
          content: {
            code,
            silent: false,
            store_history: true,
            user_expressions: {},
            allow_stdin: false,
            stop_on_error: true,
          },
          buffers: [],
        }),
      );
    });
  }
  close() {
    this.ws.close();
  }
}

async function latency(run: () => Promise<unknown>): Promise<number[]> {
  for (let i = 0; i < 20; i++) await run();
  const out: number[] = [];
  for (let i = 0; i < ROUNDS; i++) {
    const t = performance.now();
    await run();
    out.push(performance.now() - t);
  }
  return out;
}

/** ipykernel on its own, spoken to over ZeroMQ with no server between: the floor. */
async function directZmq(specDir: string): Promise<number[]> {
  const ports = [await freePort(), await freePort(), await freePort(), await freePort(), await freePort()];
  const key = randomBytes(16).toString("hex");
  const file = join(specDir, "direct.json");
  await writeFile(
    file,
    JSON.stringify({
      transport: "tcp",
      ip: "127.0.0.1",
      shell_port: ports[0],
      iopub_port: ports[1],
      stdin_port: ports[2],
      control_port: ports[3],
      hb_port: ports[4],
      key,
      signature_scheme: "hmac-sha256",
    }),
  );
  const child = spawn(python, ["-m", "ipykernel_launcher", "-f", file], { stdio: "ignore" });
  const shell = new Dealer({ linger: 0 });
  const iopub = new Subscriber({ linger: 0 });
  shell.connect(`tcp://127.0.0.1:${ports[0]}`);
  iopub.connect(`tcp://127.0.0.1:${ports[1]}`);
  iopub.subscribe();
  const session = randomUUID();
  const waiters = new Map<string, { reply: boolean; idle: boolean; resolve: () => void }>();
  const settle = (parent: string, kind: "reply" | "idle") => {
    const w = waiters.get(parent);
    if (!w) return;
    w[kind] = true;
    if (w.reply && w.idle) {
      waiters.delete(parent);
      w.resolve();
    }
  };
  const parse = (frames: Buffer[]) => {
    const i = frames.findIndex((f) => f.toString() === "<IDS|MSG>");
    return {
      header: JSON.parse(frames[i + 2]!.toString()),
      parent: JSON.parse(frames[i + 3]!.toString()),
      content: JSON.parse(frames[i + 5]!.toString()),
    };
  };
  void (async () => {
    for await (const frames of shell) {
      const m = parse(frames);
      if (m.header.msg_type === "execute_reply" || m.header.msg_type === "kernel_info_reply")
        settle(m.parent.msg_id, "reply");
    }
  })().catch(() => {});
  void (async () => {
    for await (const frames of iopub) {
      const m = parse(frames);
      if (m.header.msg_type === "status" && m.content.execution_state === "idle") settle(m.parent.msg_id, "idle");
    }
  })().catch(() => {});
  const request = (msgType: string, content: object) => {
    const msgId = randomUUID();
    const parts = [
      JSON.stringify({
        msg_id: msgId,
        msg_type: msgType,
        session,
        username: "bench",
        date: new Date().toISOString(),
        version: "5.3",
      }),
      "{}",
      "{}",
      JSON.stringify(content),
    ].map((s) => Buffer.from(s));
    const hmac = createHmac("sha256", key);
    for (const p of parts) hmac.update(p);
    return new Promise<void>((resolve) => {
      waiters.set(msgId, { reply: false, idle: false, resolve });
      void shell.send([Buffer.from("<IDS|MSG>"), Buffer.from(hmac.digest("hex")), ...parts]);
    });
  };
  // Wait until the kernel answers and iopub is connected.
  for (;;) {
    const ok = await Promise.race([request("kernel_info_request", {}).then(() => true), sleep(500).then(() => false)]);
    if (ok) break;
  }
  const out = await latency(() =>
    request("execute_request", {
      code: "1+1",
      silent: false,
      store_history: true,
      user_expressions: {},
      allow_stdin: false,
    }),
  );
  shell.close();
  iopub.close();
  child.kill("SIGKILL");
  return out;
}

async function startJupyter(specDir: string): Promise<{ url: string; token: string; child: ChildProcess }> {
  const port = await freePort();
  const token = randomBytes(16).toString("hex");
  const root = await mkdtemp(join(tmpdir(), "bench-jupyter-"));
  const child = spawn(
    jupyterServer,
    [
      `--port=${port}`,
      "--ip=127.0.0.1",
      `--IdentityProvider.token=${token}`,
      "--ServerApp.open_browser=False",
      "--allow-root",
      // Stock Jupyter drops iopub output above 1 MB/s; measure it delivering everything, as Tandem does.
      "--ZMQChannelsWebsocketConnection.iopub_data_rate_limit=0",
      "--ZMQChannelsWebsocketConnection.iopub_msg_rate_limit=0",
      `--ServerApp.root_dir=${root}`,
    ],
    { env: { ...process.env, JUPYTER_PATH: specDir, JUPYTER_RUNTIME_DIR: root }, stdio: "ignore" },
  );
  const url = `http://127.0.0.1:${port}`;
  for (let i = 0; i < 300; i++) {
    try {
      if ((await fetch(`${url}/api/status?token=${token}`)).ok) return { url, token, child };
    } catch {}
    await sleep(100);
  }
  throw new Error("Jupyter Server did not start");
}

async function post(url: string, token: string, body: object) {
  const res = await fetch(url, {
    method: "POST",
    headers: { authorization: `token ${token}`, "content-type": "application/json" },
    body: JSON.stringify(body),
  });
  if (!res.ok) throw new Error(`${url}: ${res.status} ${await res.text()}`);
  return res.json();
}

async function main() {
  const specDir = await mkdtemp(join(tmpdir(), "bench-kernelspecs-"));
  await mkdir(join(specDir, "kernels/python3"), { recursive: true });
  await writeFile(
    join(specDir, "kernels/python3/kernel.json"),
    JSON.stringify({
      argv: [python, "-m", "ipykernel_launcher", "-f", "{connection_file}"],
      display_name: "Python 3",
      language: "python",
    }),
  );
  // Its own process, as Jupyter Server is: the bench's clients do not share its event loop.
  const tandem = await startTestServer({
    process: true,
    env: { TANDEM_KERNELSPEC_PATH: specDir, TANDEM_KERNEL_POOL_SIZE: "1", TANDEM_LOG_LEVEL: "error" },
  });
  const jupyter = await startJupyter(specDir);
  const tws = (id: string) =>
    `${tandem.url.replace(/^http/, "ws")}/api/kernels/${id}/channels?token=${tandem.adminToken}`;
  const jws = (id: string) => `${jupyter.url.replace(/^http/, "ws")}/api/kernels/${id}/channels?token=${jupyter.token}`;
  try {
    console.log(
      `kernels benchmark: ${ROUNDS} rounds, ${STARTS} starts, ${LINES.toLocaleString("en")} lines; ipykernel from .venv-test\n`,
    );

    // (a) latency
    const direct = await directZmq(specDir);
    const tk = await post(`${tandem.url}/api/kernels`, tandem.adminToken, { name: "python3" });
    const tc = await Channels.open(tws(tk.id));
    const tLat = await latency(() => tc.execute("1+1"));
    const jk = await post(`${jupyter.url}/api/kernels`, jupyter.token, { name: "python3" });
    const jc = await Channels.open(jws(jk.id));
    const jLat = await latency(() => jc.execute("1+1"));
    console.log("(a) execute_request `1+1` round trip (until execute_reply and idle)");
    console.log(`    direct ZeroMQ        p50 ${ms(pct(direct, 50))}  p99 ${ms(pct(direct, 99))}`);
    console.log(
      `    Tandem WebSocket     p50 ${ms(pct(tLat, 50))}  p99 ${ms(pct(tLat, 99))}  (p50 ${ms(pct(tLat, 50) - pct(direct, 50))} over direct)`,
    );
    console.log(`    Jupyter Server WS    p50 ${ms(pct(jLat, 50))}  p99 ${ms(pct(jLat, 99))}`);
    console.log(
      `    ratio Jupyter/Tandem p50 ${(pct(jLat, 50) / pct(tLat, 50)).toFixed(1)}x  p99 ${(pct(jLat, 99) / pct(tLat, 99)).toFixed(1)}x\n`,
    );
    tc.close();
    jc.close();

    // (b) start to first result
    // The pool refills in the background after each start; give it time (BENCH_POOL_WAIT_MS).
    const waitPool = () => sleep(num("BENCH_POOL_WAIT_MS", 4000));
    const tStarts: number[] = [];
    const jStarts: number[] = [];
    for (let i = 0; i < STARTS; i++) {
      await waitPool();
      let t = performance.now();
      const k = await post(`${tandem.url}/api/kernels`, tandem.adminToken, { name: "python3" });
      const c = await Channels.open(tws(k.id));
      await c.execute("1+1");
      tStarts.push(performance.now() - t);
      c.close();
      await fetch(`${tandem.url}/api/kernels/${k.id}`, {
        method: "DELETE",
        headers: { authorization: `token ${tandem.adminToken}` },
      });

      t = performance.now();
      const j = await post(`${jupyter.url}/api/kernels`, jupyter.token, { name: "python3" });
      const jc2 = await Channels.open(jws(j.id));
      await jc2.execute("1+1");
      jStarts.push(performance.now() - t);
      jc2.close();
      await fetch(`${jupyter.url}/api/kernels/${j.id}`, {
        method: "DELETE",
        headers: { authorization: `token ${jupyter.token}` },
      });
    }
    console.log("(b) start kernel -> first result of `1+1`");
    console.log(`    Tandem (warm pool)   p50 ${ms(pct(tStarts, 50))}  max ${ms(Math.max(...tStarts))}`);
    console.log(`    Jupyter Server (cold) p50 ${ms(pct(jStarts, 50))}  max ${ms(Math.max(...jStarts))}`);
    console.log(`    ratio Jupyter/Tandem p50 ${(pct(jStarts, 50) / pct(tStarts, 50)).toFixed(1)}x\n`);

    // (c) stream throughput, and a collaborator's edit latency meanwhile
    const code = `for i in range(${LINES}): print(i)`;
    const chars = Array.from({ length: LINES }, (_, i) => String(i).length + 1).reduce((a, b) => a + b, 0);
    const owner = await createUser(tandem.http, "bench");
    const projectId = await createProject(owner.client);
    const nb = (await owner.client.post(`/api/projects/${projectId}/notebooks`, { name: "stream" })).body.id;
    const provider = (doc: Y.Doc) =>
      new WebsocketProvider(`${tandem.url.replace(/^http/, "ws")}/collab`, nb, doc, {
        WebSocketPolyfill: WebSocket as unknown as typeof globalThis.WebSocket,
        params: { token: owner.token },
        disableBc: true,
      });
    const watcherDoc = new Y.Doc();
    const editorDoc = new Y.Doc();
    const watcher = provider(watcherDoc);
    const editor = provider(editorDoc);
    while (!watcher.synced || !editor.synced) await sleep(20);
    editorDoc.transact(() => {
      const cell = new Y.Map<unknown>();
      cell.set("id", "flood");
      cell.set("cell_type", "code");
      cell.set("source", new Y.Text(code));
      cell.set("metadata", new Y.Map());
      cell.set("outputs", new Y.Array());
      cell.set("execution_count", null);
      const md = new Y.Map<unknown>();
      md.set("id", "notes");
      md.set("cell_type", "markdown");
      md.set("source", new Y.Text(""));
      md.set("metadata", new Y.Map());
      editorDoc.getArray("cells").push([cell, md]);
    });
    // Kernel up first, so (c) measures the stream, not the start.
    await owner.client.post(`/api/notebooks/${nb}/kernel`, {});
    const flood = () => watcherDoc.getArray<Y.Map<unknown>>("cells").get(0);
    while (!flood()) await sleep(20);
    const edits: number[] = [];
    const sent = new Map<number, number>();
    const notes = () => watcherDoc.getArray<Y.Map<unknown>>("cells").get(1).get("source") as Y.Text;
    watcherDoc.on("update", () => {
      const text = notes()?.toString() ?? "";
      const m = /(\d+);$/.exec(text);
      if (m) {
        const seq = Number(m[1]);
        const at = sent.get(seq);
        if (at !== undefined) {
          edits.push(performance.now() - at);
          sent.delete(seq);
        }
      }
    });
    let seq = 0;
    let typing = true;
    const typist = (async () => {
      while (typing) {
        const src = editorDoc.getArray<Y.Map<unknown>>("cells").get(1).get("source") as Y.Text;
        sent.set(++seq, performance.now());
        src.insert(src.length, `${seq};`);
        await sleep(50);
      }
    })();
    let t = performance.now();
    await owner.client.post(`/api/notebooks/${nb}/execute`, { cells: ["flood"] });
    await sleep(50);
    while (flood().get("execution_state") !== "idle" || flood().get("execution_count") === null) await sleep(5);
    const tStream = performance.now() - t;
    typing = false;
    await typist;
    const kept = (flood().get("outputs") as Y.Array<Y.Map<unknown>>)
      .toArray()
      .reduce((n, o) => n + String(o.get("text") ?? "").length, 0);

    const jk2 = await post(`${jupyter.url}/api/kernels`, jupyter.token, { name: "python3" });
    const jc3 = await Channels.open(jws(jk2.id));
    await jc3.execute("1+1");
    t = performance.now();
    const jBytes = await jc3.execute(code);
    const jStream = performance.now() - t;
    jc3.close();

    const mb = chars / 1e6;
    console.log(`(c) stream of ${LINES.toLocaleString("en")} lines (${mb.toFixed(1)} MB)`);
    console.log(
      `    Tandem, into the document   ${ms(tStream)}  ${(LINES / (tStream / 1000)).toFixed(0)} lines/s  ${(mb / (tStream / 1000)).toFixed(1)} MB/s  (document keeps ${kept.toLocaleString("en")} chars: head + tail)`,
    );
    console.log(
      `    Jupyter Server, over its WS ${ms(jStream)}  ${(LINES / (jStream / 1000)).toFixed(0)} lines/s  ${(jBytes / 1e6 / (jStream / 1000)).toFixed(1)} MB/s`,
    );
    console.log(`    ratio Tandem/Jupyter throughput ${(jStream / tStream).toFixed(2)}x`);
    console.log(
      `    a collaborator's edits meanwhile: ${edits.length} edits, p50 ${ms(pct(edits, 50))}  p99 ${ms(pct(edits, 99))}  max ${ms(Math.max(...edits))}`,
    );
    watcher.destroy();
    editor.destroy();
  } finally {
    jupyter.child.kill("SIGTERM");
    await tandem.close();
    await rm(specDir, { recursive: true, force: true });
  }
  process.exit(0);
}

await main();

import { randomUUID } from "node:crypto";
import WebSocket from "ws";
import { until } from "./collab-clients.ts";

/** A raw Jupyter kernel channel socket (JSON protocol) that runs code and collects what it printed. */
export async function kernelChannel(serverUrl: string, kernelId: string, token: string) {
  const ws = new WebSocket(
    `${serverUrl.replace(/^http/, "ws")}/api/kernels/${kernelId}/channels?token=${encodeURIComponent(token)}`,
  );
  const stdout = new Map<string, string>();
  const replies = new Map<string, any>();
  const idle = new Set<string>();
  ws.on("message", (data) => {
    const msg = JSON.parse(data.toString());
    const parent = msg.parent_header?.msg_id;
    if (msg.msg_type === "stream") stdout.set(parent, (stdout.get(parent) ?? "") + msg.content.text);
    if (msg.msg_type === "error")
      stdout.set(parent, `${stdout.get(parent) ?? ""}${msg.content.ename}: ${msg.content.evalue}`);
    if (msg.msg_type === "execute_reply") replies.set(parent, msg);
    if (msg.msg_type === "status" && msg.content.execution_state === "idle") idle.add(parent);
  });
  const closed = new Promise<number>((resolve) => ws.on("close", (code) => resolve(code)));
  await new Promise((resolve, reject) => {
    ws.once("open", resolve);
    ws.once("error", reject);
  });
  /** Runs code; resolves with its printed output once the kernel replied. */
  const run = async (code: string): Promise<string> => {
    const msgId = randomUUID();
    ws.send(
      JSON.stringify({
        channel: "shell",
        header: { msg_id: msgId, msg_type: "execute_request", session: randomUUID(), username: "", version: "5.3" },
        parent_header: {},
        metadata: {},
        content: { code, silent: false, store_history: false, user_expressions: {}, allow_stdin: false },
      }),
    );
    // Done once both the shell reply and iopub's idle status for this request are in.
    await until(() => replies.has(msgId) && idle.has(msgId), "the kernel's reply", 60_000);
    return stdout.get(msgId) ?? "";
  };
  return { ws, run, closed, close: () => ws.close() };
}

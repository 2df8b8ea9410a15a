// A share of the simulated editors, in its own process so that clients don't share one core.
// Each editor types one character at a time into its own cell at a fixed rate; every editor
// records when each other editor's change (identified by client id and clock) arrives.
import WebSocket from "ws";
import { WebsocketProvider } from "y-websocket";
import * as Y from "yjs";

interface Start {
  type: "start";
  serverUrl: string;
  room: string;
  params: Record<string, string>;
  first: number;
  count: number;
}

// Every provider adds a process "exit" listener.
process.setMaxListeners(0);

const now = () => performance.timeOrigin + performance.now();
const send = (msg: unknown) => process.send!(msg);

interface Editor {
  index: number;
  doc: Y.Doc;
  provider: WebsocketProvider;
  /** send time of this editor's k-th change (its clock k). */
  sent: number[];
  /** arrivals[senderClientId][clock] = time */
  arrivals: Map<number, number[]>;
}

let editors: Editor[] = [];
let timers: NodeJS.Timeout[] = [];

process.on("message", async (msg: { type: string } & Record<string, unknown>) => {
  if (msg.type === "start") {
    const m = msg as unknown as Start;
    editors = [];
    for (let i = 0; i < m.count; i++) {
      const doc = new Y.Doc();
      const provider = new WebsocketProvider(m.serverUrl, m.room, doc, {
        WebSocketPolyfill: WebSocket as unknown as typeof globalThis.WebSocket,
        params: m.params,
        disableBc: true,
        maxBackoffTime: 1000,
      });
      const editor: Editor = { index: m.first + i, doc, provider, sent: [], arrivals: new Map() };
      doc.on("afterTransaction", (tr: Y.Transaction) => {
        if (tr.local) return;
        const t = now();
        for (const [client, clock] of tr.afterState) {
          if (client === doc.clientID) continue;
          const before = tr.beforeState.get(client) ?? 0;
          if (clock <= before) continue;
          let times = editor.arrivals.get(client);
          if (!times) {
            times = [];
            editor.arrivals.set(client, times);
          }
          for (let c = before; c < clock; c++) times[c] = t;
        }
      });
      editors.push(editor);
      // Open connections gradually, as people arrive.
      await new Promise((r) => setTimeout(r, 5));
    }
    await Promise.all(
      editors.map(
        (e) =>
          new Promise<void>((resolve) => (e.provider.synced ? resolve() : e.provider.once("sync", () => resolve()))),
      ),
    );
    send({ type: "ready", clients: editors.map((e) => ({ index: e.index, clientId: e.doc.clientID })) });
  } else if (msg.type === "type") {
    const { rate, seconds } = msg as unknown as { rate: number; seconds: number };
    const period = 1000 / rate;
    const end = now() + seconds * 1000;
    for (const e of editors) {
      const cells = e.doc.getArray<Y.Map<unknown>>("cells");
      const text = cells.get(e.index).get("source") as Y.Text;
      const tick = () => {
        if (now() >= end) return;
        // One keystroke = one insert of one character = one clock tick of this client.
        e.sent[e.sent.length] = now();
        text.insert(text.length, "x");
      };
      // Spread editors over the period so they don't all type in the same millisecond.
      const offset = Math.random() * period;
      timers.push(
        setTimeout(() => {
          tick();
          timers.push(setInterval(tick, period));
        }, offset),
      );
    }
    setTimeout(
      () => {
        for (const t of timers) clearInterval(t);
        timers = [];
        send({ type: "typed" });
      },
      seconds * 1000 + 50,
    );
  } else if (msg.type === "sent") {
    send({ type: "sent", sent: editors.map((e) => ({ clientId: e.doc.clientID, times: e.sent })) });
  } else if (msg.type === "arrived") {
    // Latency histogram (0.1 ms buckets) of every change's arrival at every other editor.
    const sent = new Map<number, number[]>(msg.sent as [number, number[]][]);
    const buckets = new Map<number, number>();
    let missing = 0;
    let total = 0;
    for (const e of editors) {
      for (const [client, times] of sent) {
        if (client === e.doc.clientID) continue;
        const arrived = e.arrivals.get(client) ?? [];
        for (let c = 0; c < times.length; c++) {
          total++;
          const a = arrived[c];
          if (a === undefined) {
            missing++;
            continue;
          }
          const b = Math.max(0, Math.round((a - times[c]!) * 10));
          buckets.set(b, (buckets.get(b) ?? 0) + 1);
        }
      }
    }
    send({ type: "arrived", buckets: [...buckets], missing, total });
  } else if (msg.type === "stop") {
    for (const e of editors) e.provider.destroy();
    process.exit(0);
  }
});

import { SERVER_ORIGIN, WIDGET_MESSAGES, WIDGETS_MAP } from "@tandem/notebook";
import * as Y from "yjs";
import type { Kernel } from "../kernel.ts";
import type { PublishedState } from "./document.ts";

const same = (a: unknown, b: unknown) => a === b || JSON.stringify(a) === JSON.stringify(b);

/**
 * ipywidgets' models live in the shared document, not in one browser: the kernel's comm messages
 * (open, update, close) are written there, and a collaborator's change to a model's state is sent
 * to the kernel as a comm update. So a slider moved by one person moves for the others, the kernel
 * sees the value, and the state survives a reload. Custom messages (a button's click) are queued in
 * the document by browsers; the server sends each to the kernel and removes it. Binary buffers are
 * not kept.
 */
export class WidgetBridge {
  private observed?: Y.Doc;

  constructor(
    private readonly state: PublishedState,
    private readonly kernel: () => Kernel | undefined,
  ) {}

  /** Takes an iopub comm message; false when it is not one. */
  handle(msgType: string, c: Record<string, unknown>): boolean {
    if (msgType !== "comm_open" && msgType !== "comm_msg" && msgType !== "comm_close") return false;
    const commId = typeof c.comm_id === "string" ? c.comm_id : null;
    if (!commId) return true;
    if (msgType === "comm_open" && c.target_name !== "jupyter.widget") return true;
    void this.apply(msgType, commId, (c.data ?? {}) as { method?: string; state?: Record<string, unknown> }).catch(
      () => {},
    );
    return true;
  }

  private async apply(msgType: string, commId: string, data: { method?: string; state?: Record<string, unknown> }) {
    const doc = await this.state.doc();
    this.observe(doc);
    const models = doc.getMap<Y.Map<unknown>>(WIDGETS_MAP);
    doc.transact(() => {
      if (msgType === "comm_close") return void models.delete(commId);
      if (msgType === "comm_msg" && data.method !== "update" && data.method !== "echo_update") return;
      let model = models.get(commId);
      if (!(model instanceof Y.Map)) {
        if (msgType !== "comm_open") return;
        model = new Y.Map();
        models.set(commId, model);
      }
      for (const [k, v] of Object.entries(data.state ?? {})) if (!same(model.get(k), v)) model.set(k, v);
    }, SERVER_ORIGIN);
  }

  /** Sends collaborators' changes of a model's state to the kernel (the kernel's own echo is not sent back). */
  private observe(doc: Y.Doc) {
    if (this.observed === doc) return;
    this.observed = doc;
    const queue = doc.getArray<{ comm_id?: unknown; content?: unknown }>(WIDGET_MESSAGES);
    const drain = () => {
      if (queue.length === 0) return;
      const messages = queue.toArray();
      doc.transact(() => queue.delete(0, messages.length), SERVER_ORIGIN);
      const kernel = this.kernel();
      if (!kernel?.alive) return;
      for (const m of messages) {
        const models = doc.getMap(WIDGETS_MAP);
        if (typeof m?.comm_id !== "string" || !models.has(m.comm_id)) continue;
        const msg = kernel.message("comm_msg", {
          comm_id: m.comm_id,
          data: { method: "custom", content: m.content ?? {} },
        });
        void kernel.send("shell", msg).catch(() => {});
      }
    };
    queue.observe((_e, tx) => {
      if (tx.origin !== SERVER_ORIGIN) drain();
    });
    drain();
    doc.getMap(WIDGETS_MAP).observeDeep((events, tx) => {
      if (tx.origin === SERVER_ORIGIN) return;
      const changes = new Map<string, Record<string, unknown>>();
      for (const e of events) {
        if (!(e.target instanceof Y.Map) || e.path.length !== 1) continue;
        const commId = String(e.path[0]);
        const state = changes.get(commId) ?? {};
        for (const key of (e as Y.YMapEvent<unknown>).keysChanged) state[key] = (e.target as Y.Map<unknown>).get(key);
        changes.set(commId, state);
      }
      const kernel = this.kernel();
      if (!kernel?.alive) return;
      for (const [commId, state] of changes) {
        const msg = kernel.message("comm_msg", {
          comm_id: commId,
          data: { method: "update", state, buffer_paths: [] },
        });
        void kernel.send("shell", msg).catch(() => {});
      }
    });
  }
}

import type { DOMWidgetView, IClassicComm, WidgetModel, WidgetView } from "@jupyter-widgets/base";
import * as base from "@jupyter-widgets/base";
import { ManagerBase } from "@jupyter-widgets/base-manager";
import * as controls from "@jupyter-widgets/controls";
import "@jupyter-widgets/controls/css/widgets.css";
import { Widget as LuminoWidget } from "@lumino/widgets";
import { WIDGET_MESSAGES, WIDGETS_MAP } from "@tandem/notebook";
import type * as Y from "yjs";
import { sanitizeHtml } from "../../lib/sanitize.ts";

/** Marks this browser's own writes, so that its observer does not hand them back to its models. */
const LOCAL = Symbol("widgets-local");

type Handler = (msg: unknown) => void;

/**
 * A comm whose far end is the shared document: the kernel's side is written into the document by
 * the server (services/kernels' WidgetBridge), so every collaborator's models follow one state.
 * `update` writes state keys; `custom` messages (a button's click) are queued for the server to
 * hand to the kernel.
 */
class DocComm implements IClassicComm {
  readonly target_name = "jupyter.widget";
  private onMsg?: Handler;
  private onClose?: Handler;

  constructor(
    readonly comm_id: string,
    private readonly doc: Y.Doc,
  ) {}

  open(): string {
    return "";
  }

  send(data: unknown): string {
    const { method, state, content } = (data ?? {}) as { method?: string; state?: object; content?: unknown };
    this.doc.transact(() => {
      if (method === "update" && state) {
        const model = this.doc.getMap<Y.Map<unknown>>(WIDGETS_MAP).get(this.comm_id);
        if (!model || typeof model.set !== "function") return;
        for (const [k, v] of Object.entries(state))
          if (JSON.stringify(model.get(k)) !== JSON.stringify(v)) model.set(k, v);
      } else if (method === "custom") {
        this.doc.getArray(WIDGET_MESSAGES).push([{ comm_id: this.comm_id, content }]);
      }
    }, LOCAL);
    return "";
  }

  close(): string {
    return "";
  }

  on_msg(callback: Handler): void {
    this.onMsg = callback;
  }

  on_close(callback: Handler): void {
    this.onClose = callback;
  }

  /** A collaborator's or the kernel's change, as the kernel's comm message would carry it. */
  deliver(state: Record<string, unknown>): void {
    this.onMsg?.({ content: { comm_id: this.comm_id, data: { method: "update", state, buffer_paths: [] } } });
  }

  closed(): void {
    this.onClose?.({ content: { comm_id: this.comm_id, data: {} } });
  }
}

/** Widget HTML comes from kernel code: it goes through the same sanitiser as HTML outputs. */
class SafeHTMLView extends controls.HTMLView {
  override update(options?: unknown) {
    this.content.innerHTML = sanitizeHtml(String(this.model.get("value") ?? ""));
    return base.DOMWidgetView.prototype.update.call(this, options);
  }
}
class SafeHTMLMathView extends controls.HTMLMathView {
  override update(options?: unknown) {
    this.content.innerHTML = sanitizeHtml(String(this.model.get("value") ?? ""));
    return base.DOMWidgetView.prototype.update.call(this, options);
  }
}
const OVERRIDES: Record<string, unknown> = { HTMLView: SafeHTMLView, HTMLMathView: SafeHTMLMathView };

/**
 * ipywidgets' own models and views (@jupyter-widgets/controls) over the shared document: one
 * manager per notebook document, fed from its widget map.
 */
class DocWidgetManager extends ManagerBase {
  private readonly comms = new Map<string, DocComm>();
  private readonly waiting = new Map<string, (() => void)[]>();

  constructor(private readonly doc: Y.Doc) {
    super();
    const models = doc.getMap<Y.Map<unknown>>(WIDGETS_MAP);
    // All at once, so that a model's references (its layout, its style) are registered before use.
    for (const id of models.keys()) this.open(id);
    models.observeDeep((events, tx) => {
      if (tx.origin === LOCAL) return;
      for (const e of events) {
        if (e.target === models) {
          for (const [id, change] of (e as Y.YMapEvent<unknown>).changes.keys) {
            if (change.action === "delete") this.shut(id);
            else this.open(id);
          }
        } else if (e.path.length === 1) {
          const id = String(e.path[0]);
          const m = models.get(id);
          if (!m || !this.comms.has(id)) continue;
          const state: Record<string, unknown> = {};
          for (const key of (e as Y.YMapEvent<unknown>).keysChanged) state[key] = m.get(key);
          this.comms.get(id)?.deliver(state);
        }
      }
    });
  }

  /** Draws the model's view into `host`; resolves once it is there. */
  async render(modelId: string, host: HTMLElement): Promise<WidgetView> {
    if (!this.has_model(modelId))
      await new Promise<void>((ok) => this.waiting.set(modelId, [...(this.waiting.get(modelId) ?? []), ok]));
    const model = await this.get_model(modelId);
    const view = await this.create_view(model as base.DOMWidgetModel);
    LuminoWidget.attach((view as DOMWidgetView).luminoWidget, host);
    return view;
  }

  private open(id: string) {
    if (this.comms.has(id)) return;
    const m = this.doc.getMap<Y.Map<unknown>>(WIDGETS_MAP).get(id);
    const state = m && typeof m.toJSON === "function" ? (m.toJSON() as Record<string, unknown>) : null;
    if (!state?._model_name) return;
    const comm = new DocComm(id, this.doc);
    this.comms.set(id, comm);
    void this.new_model(
      {
        model_name: String(state._model_name),
        model_module: String(state._model_module),
        model_module_version: String(state._model_module_version ?? ""),
        model_id: id,
        comm,
      },
      state,
    ).catch((err) => console.error("widget model", id, err));
    for (const ok of this.waiting.get(id) ?? []) ok();
    this.waiting.delete(id);
  }

  private shut(id: string) {
    this.comms.get(id)?.closed();
    this.comms.delete(id);
  }

  protected async loadClass(className: string, moduleName: string): Promise<typeof WidgetModel | typeof WidgetView> {
    const module: Record<string, unknown> | undefined =
      moduleName === "@jupyter-widgets/controls"
        ? { ...controls, ...OVERRIDES }
        : moduleName === "@jupyter-widgets/base"
          ? base
          : undefined;
    const cls = module?.[className];
    if (!cls) throw new Error(`${moduleName}.${className} is not available in Tandem`);
    return cls as typeof WidgetModel;
  }

  protected async _create_comm(): Promise<IClassicComm> {
    throw new Error("widgets are created by the kernel");
  }

  protected async _get_comm_info(): Promise<object> {
    return {};
  }
}

const managers = new WeakMap<Y.Doc, DocWidgetManager>();

/** The notebook document's widget manager, made on first use. */
export function widgetManager(doc: Y.Doc): DocWidgetManager {
  let m = managers.get(doc);
  if (!m) {
    m = new DocWidgetManager(doc);
    managers.set(doc, m);
  }
  return m;
}

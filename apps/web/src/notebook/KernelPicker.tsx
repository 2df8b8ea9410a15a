import type { KernelInfo } from "@tandem/notebook";
import { createResource, createSignal, For, onCleanup, Show } from "solid-js";
import { messageOf } from "../components/ErrorNote.tsx";
import { type Environment, envSummary, envsApi } from "../lib/environments.ts";
import { KernelBadge } from "./KernelBadge.tsx";

/**
 * The kernel badge of an editable notebook opens a list of ready environments (name, Python,
 * package count); choosing one asks first, since the kernel restarts and its variables go.
 */
export function KernelPicker(props: {
  notebookId: string;
  kernel: KernelInfo;
  offline?: boolean;
  say(m: string): void;
}) {
  const [open, setOpen] = createSignal(false);
  const [choice, setChoice] = createSignal<Environment | null>(null);
  const [envs, { refetch }] = createResource(open, async (isOpen) =>
    isOpen ? (await envsApi.list()).filter((e) => e.status === "ready") : [],
  );
  let root: HTMLDivElement | undefined;
  const close = () => {
    setOpen(false);
    setChoice(null);
  };
  const onDoc = (e: MouseEvent) => {
    if (root && !root.contains(e.target as Node)) close();
  };
  document.addEventListener("mousedown", onDoc);
  onCleanup(() => document.removeEventListener("mousedown", onDoc));

  const switchTo = async (env: Environment) => {
    close();
    try {
      await envsApi.useIn(props.notebookId, env.kernelspec);
    } catch (err) {
      props.say(`Could not switch the kernel: ${messageOf(err)}`);
    }
  };

  return (
    <div class="kernel-picker" ref={root}>
      <button
        type="button"
        class="kernel-button"
        aria-haspopup="menu"
        aria-expanded={open()}
        aria-label="Choose the notebook's environment"
        title="Choose the environment"
        onClick={() => {
          if (open()) close();
          else {
            setOpen(true);
            refetch();
          }
        }}
        onKeyDown={(e) => e.key === "Escape" && close()}
        style={{ border: "none", padding: 0 }}
      >
        <KernelBadge kernel={props.kernel} offline={props.offline} />
      </button>
      <Show when={open()}>
        <div class="kernel-menu" role="menu" aria-label="Environments" onKeyDown={(e) => e.key === "Escape" && close()}>
          <Show
            when={choice()}
            fallback={
              <>
                <Show when={envs()} fallback={<span class="muted small">Loading environments…</span>}>
                  <Show when={envs()!.length} fallback={<span class="muted small">No ready environment.</span>}>
                    <For each={envs()}>
                      {(env) => (
                        <button
                          type="button"
                          role="menuitem"
                          class={`btn btn-ghost btn-sm${env.kernelspec === props.kernel.name ? " current" : ""}`}
                          aria-current={env.kernelspec === props.kernel.name ? "true" : undefined}
                          onClick={() => (env.kernelspec === props.kernel.name ? close() : setChoice(env))}
                        >
                          {envSummary(env)}
                        </button>
                      )}
                    </For>
                  </Show>
                </Show>
                <a class="small" href="/environments">
                  Manage environments…
                </a>
              </>
            }
          >
            {(env) => (
              <div class="kernel-confirm" role="alertdialog" aria-label="Switch environment">
                <span>
                  Switch to <strong>{envSummary(env())}</strong>? The kernel restarts: variables and imports are lost,
                  for everyone in this notebook.
                </span>
                <span class="row">
                  <button type="button" class="btn btn-sm" onClick={() => void switchTo(env())}>
                    Switch and restart
                  </button>
                  <button type="button" class="btn btn-ghost btn-sm" onClick={() => setChoice(null)}>
                    Cancel
                  </button>
                </span>
              </div>
            )}
          </Show>
        </div>
      </Show>
    </div>
  );
}

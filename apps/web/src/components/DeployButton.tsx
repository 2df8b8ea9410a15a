import type { Deployment } from "@tandem/protocol";
import { createSignal, Show } from "solid-js";
import { request } from "../lib/api.ts";
import { usePolling } from "../lib/polling.ts";
import { ErrorNote, messageOf } from "./ErrorNote.tsx";

const suggestedName = (model: string, version: number) =>
  `${
    model
      .toLowerCase()
      .replace(/[^a-z0-9]+/g, "-")
      .replace(/^-+|-+$/g, "") || "model"
  }-v${version}`.slice(0, 63);

/** "Deploy" on a model version: names the endpoint, creates it, follows it to ready, shows how to call it. */
export function DeployButton(props: { model: string; version: number }) {
  const [open, setOpen] = createSignal(false);
  const [name, setName] = createSignal(suggestedName(props.model, props.version));
  const [deployment, setDeployment] = createSignal<Deployment | null>(null);
  const [error, setError] = createSignal<string | null>(null);
  const pending = () => ["building", "starting"].includes(deployment()?.status ?? "");
  usePolling(
    pending,
    async () => {
      setDeployment(await request<Deployment>("GET", `/api/deployments/${deployment()!.id}`));
    },
    1000,
  );

  async function deploy(e: Event) {
    e.preventDefault();
    setError(null);
    try {
      const model = await request<{ projectId: string }>("GET", `/api/models/${encodeURIComponent(props.model)}`);
      setDeployment(
        await request<Deployment>("POST", `/api/projects/${model.projectId}/deployments`, {
          name: name(),
          model: props.model,
          version: props.version,
        }),
      );
    } catch (err) {
      setError(messageOf(err));
    }
  }

  const curl = (d: Deployment) =>
    `curl -X POST ${d.url}/invocations \\\n  -H "Authorization: Bearer $TANDEM_TOKEN" -H "Content-Type: application/json" \\\n  -d '{"dataframe_split": {"columns": [...], "data": [[...]]}}'`;
  const python = (d: Deployment) =>
    `import os, requests\nres = requests.post("${d.url}/invocations",\n    headers={"Authorization": f"Bearer {os.environ['TANDEM_TOKEN']}"},\n    json={"dataframe_split": df.to_dict(orient="split")})\nprint(res.json()["predictions"], res.headers["x-tandem-model-version"])`;
  return (
    <>
      <Show when={!open()}>
        <button type="button" onClick={() => setOpen(true)}>
          Deploy
        </button>
      </Show>
      <Show when={open() && !deployment()}>
        <form class="deploy-form" onSubmit={deploy}>
          <label>
            Endpoint name{" "}
            <input
              value={name()}
              onInput={(e) => setName(e.currentTarget.value)}
              pattern="[a-z0-9]([a-z0-9-]*[a-z0-9])?"
              required
            />
          </label>
          <button type="submit">Deploy version {props.version}</button>
        </form>
      </Show>
      <ErrorNote error={error()} />
      <Show when={deployment()}>
        {(d) => (
          <div class="deploy-status" role="status">
            <p>
              <strong>{d().name}</strong>: {d().status}
              {d().reason ? ` — ${d().reason!.split("\n")[0]}` : ""}
            </p>
            <Show when={d().status === "ready"}>
              <p class="muted small">
                Call it with a token of this project (Tokens page, or <code>tandem tokens create NAME</code>):
              </p>
              <pre class="mono">{curl(d())}</pre>
              <pre class="mono">{python(d())}</pre>
            </Show>
          </div>
        )}
      </Show>
    </>
  );
}

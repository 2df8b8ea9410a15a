import type { Job } from "@tandem/protocol";
import { createResource, createSignal, For, Show } from "solid-js";
import { api } from "../lib/api.ts";
import { type ParameterRow, parameterRows, parseParameters } from "../lib/jobs.ts";
import { runsApi } from "../lib/runs.ts";
import { CronField } from "./CronField.tsx";
import { ErrorNote, messageOf } from "./ErrorNote.tsx";
import { ParametersEditor } from "./ParametersEditor.tsx";

const CATCH_UP = [
  ["latest", "Run the latest missed time once"],
  ["none", "Skip missed times"],
  ["all", "Run every missed time"],
] as const;
const CONCURRENCY = [
  ["skip", "Skip this run"],
  ["queue", "Wait for it, then run"],
  ["allow", "Run both at once"],
] as const;

const intOrNull = (s: string): number | null => (s.trim() === "" ? null : Number(s));

/** Create or edit a job definition. */
export function JobForm(props: {
  projectId: string;
  job?: Job;
  notebookId?: string;
  onSaved: (job: Job) => void;
  onCancel: () => void;
}) {
  const j = props.job;
  const [notebooks] = createResource(() => props.projectId, api.notebooks);
  const [environments] = createResource(() => runsApi.environments().catch(() => []));
  const [name, setName] = createSignal(j?.name ?? "");
  const [notebookId, setNotebookId] = createSignal(j?.notebookId ?? props.notebookId ?? "");
  const [rows, setRows] = createSignal<ParameterRow[]>(j ? parameterRows(j.parameters) : []);
  const [cron, setCron] = createSignal(j ? (j.cron ?? "") : "0 2 * * *");
  const [timezone, setTimezone] = createSignal(
    j?.timezone ?? Intl.DateTimeFormat().resolvedOptions().timeZone ?? "UTC",
  );
  const [cronValid, setCronValid] = createSignal(true);
  const [catchUp, setCatchUp] = createSignal<Job["catchUp"]>(j?.catchUp ?? "latest");
  const [concurrency, setConcurrency] = createSignal<Job["concurrency"]>(j?.concurrency ?? "skip");
  const [timeout, setTimeoutValue] = createSignal(j?.timeoutSeconds ? String(j.timeoutSeconds) : "");
  const [retries, setRetries] = createSignal(String(j?.retries ?? 0));
  const [backoff, setBackoff] = createSignal(String(j?.retryBackoffSeconds ?? 60));
  const [stopOnError, setStopOnError] = createSignal(j?.stopOnError ?? true);
  const [environmentId, setEnvironmentId] = createSignal(j?.environmentId ?? "");
  const [enabled, setEnabled] = createSignal(j?.enabled ?? true);
  const [webhookUrl, setWebhookUrl] = createSignal(j?.webhook?.url ?? "");
  const [events, setEvents] = createSignal<("success" | "failure")[]>(j?.webhook?.events ?? ["failure"]);
  const [error, setError] = createSignal<string | null>(null);
  const [saving, setSaving] = createSignal(false);

  const toggleEvent = (e: "success" | "failure") =>
    setEvents((list) => (list.includes(e) ? list.filter((x) => x !== e) : [...list, e]));

  const submit = async (ev: SubmitEvent) => {
    ev.preventDefault();
    const params = parseParameters(rows());
    if (!params.ok) return setError(params.error);
    if (!notebookId()) return setError("Choose the notebook this job runs.");
    if (!cronValid()) return setError("The cron expression is not valid (see above).");
    if (webhookUrl().trim() && !events().length) return setError("Choose when the webhook is called.");
    const common = {
      name: name().trim(),
      parameters: params.value,
      cron: cron().trim() || null,
      timezone: timezone().trim() || "UTC",
      catchUp: catchUp(),
      concurrency: concurrency(),
      enabled: enabled(),
      webhook: webhookUrl().trim() ? { url: webhookUrl().trim(), events: events() } : null,
      retries: Number(retries() || 0),
      retryBackoffSeconds: Number(backoff() || 0),
      stopOnError: stopOnError(),
    };
    setSaving(true);
    setError(null);
    try {
      const saved = j
        ? await runsApi.updateJob(j.id, {
            ...common,
            environmentId: environmentId() || null,
            timeoutSeconds: intOrNull(timeout()),
          })
        : await runsApi.createJob(props.projectId, {
            ...common,
            notebookId: notebookId(),
            environmentId: environmentId() || undefined,
            timeoutSeconds: intOrNull(timeout()) ?? undefined,
          });
      props.onSaved(saved);
    } catch (err) {
      setError(messageOf(err));
    } finally {
      setSaving(false);
    }
  };

  return (
    <form class="panel job-form stack" onSubmit={submit} aria-label={j ? `Edit job ${j.name}` : "New job"}>
      <h2>{j ? `Edit ${j.name}` : "New job"}</h2>
      <div class="form-grid">
        <label class="field">
          <span>Name</span>
          <input
            class="input"
            name="name"
            required
            maxLength={200}
            value={name()}
            onInput={(e) => setName(e.currentTarget.value)}
          />
        </label>
        <div class="field">
          <label for="job-notebook">Notebook</label>
          <select
            id="job-notebook"
            class="input"
            name="notebook"
            required
            disabled={!!j}
            value={notebookId()}
            onChange={(e) => setNotebookId(e.currentTarget.value)}
          >
            <option value="">Choose a notebook…</option>
            <For each={notebooks() ?? []}>
              {(nb) => (
                <option value={nb.id} selected={nb.id === notebookId()}>
                  {nb.name}
                </option>
              )}
            </For>
          </select>
        </div>
      </div>
      <ParametersEditor rows={rows()} onChange={setRows} idPrefix="job-param" />
      <CronField cron={cron()} timezone={timezone()} onCron={setCron} onTimezone={setTimezone} onValid={setCronValid} />
      <fieldset>
        <legend>Policies</legend>
        <div class="form-grid">
          <div class="field">
            <label for="job-catchUp">Missed times (server was down)</label>
            <select
              id="job-catchUp"
              class="input"
              name="catchUp"
              value={catchUp()}
              onChange={(e) => setCatchUp(e.currentTarget.value as Job["catchUp"])}
            >
              <For each={CATCH_UP}>{([v, label]) => <option value={v}>{label}</option>}</For>
            </select>
          </div>
          <div class="field">
            <label for="job-concurrency">When the previous run is still going</label>
            <select
              id="job-concurrency"
              class="input"
              name="concurrency"
              value={concurrency()}
              onChange={(e) => setConcurrency(e.currentTarget.value as Job["concurrency"])}
            >
              <For each={CONCURRENCY}>{([v, label]) => <option value={v}>{label}</option>}</For>
            </select>
          </div>
          <label class="field">
            <span>Timeout (seconds, empty: none)</span>
            <input
              class="input"
              type="number"
              name="timeout"
              min="1"
              max={7 * 24 * 3600}
              value={timeout()}
              onInput={(e) => setTimeoutValue(e.currentTarget.value)}
            />
          </label>
          <label class="field">
            <span>Retries after a failure</span>
            <input
              class="input"
              type="number"
              name="retries"
              min="0"
              max="10"
              value={retries()}
              onInput={(e) => setRetries(e.currentTarget.value)}
            />
          </label>
          <label class="field">
            <span>Wait before a retry (seconds, doubles)</span>
            <input
              class="input"
              type="number"
              name="backoff"
              min="0"
              max={24 * 3600}
              value={backoff()}
              onInput={(e) => setBackoff(e.currentTarget.value)}
            />
          </label>
          <div class="field">
            <label for="job-environment">Environment</label>
            <select
              id="job-environment"
              class="input"
              name="environment"
              value={environmentId()}
              onChange={(e) => setEnvironmentId(e.currentTarget.value)}
            >
              <option value="">The notebook's (default)</option>
              <For each={environments() ?? []}>
                {(env) => (
                  <option
                    value={env.id}
                    selected={env.id === environmentId()}
                    disabled={env.status !== "ready" && env.id !== environmentId()}
                  >
                    {env.name} v{env.version}
                    {env.status === "ready" ? "" : ` (${env.status})`}
                  </option>
                )}
              </For>
            </select>
          </div>
        </div>
        <label class="field-inline">
          <input type="checkbox" checked={stopOnError()} onChange={(e) => setStopOnError(e.currentTarget.checked)} />
          Stop at the first failing cell
        </label>
        <label class="field-inline">
          <input type="checkbox" checked={enabled()} onChange={(e) => setEnabled(e.currentTarget.checked)} />
          Enabled (runs on its schedule)
        </label>
      </fieldset>
      <fieldset>
        <legend>Webhook</legend>
        <label class="field">
          <span>URL (optional): called with the run as JSON</span>
          <input
            class="input"
            type="url"
            name="webhook"
            placeholder="https://hooks.example.com/…"
            value={webhookUrl()}
            onInput={(e) => setWebhookUrl(e.currentTarget.value)}
          />
        </label>
        <Show when={webhookUrl().trim()}>
          <div class="inline-form">
            <span class="small muted">Call it on</span>
            <label class="field-inline">
              <input type="checkbox" checked={events().includes("failure")} onChange={() => toggleEvent("failure")} />
              Failure
            </label>
            <label class="field-inline">
              <input type="checkbox" checked={events().includes("success")} onChange={() => toggleEvent("success")} />
              Success
            </label>
          </div>
        </Show>
      </fieldset>
      <ErrorNote error={error()} />
      <div class="inline-form">
        <button class="btn btn-primary" type="submit" disabled={saving()}>
          {saving() ? "Saving…" : j ? "Save job" : "Create job"}
        </button>
        <button class="btn btn-ghost" type="button" onClick={props.onCancel}>
          Cancel
        </button>
      </div>
    </form>
  );
}

import { A, useNavigate } from "@solidjs/router";
import type { Job } from "@tandem/protocol";
import { createSignal, For, Show } from "solid-js";
import { formatDate, relativeTime } from "../lib/format.ts";
import { describeCron, formatInZone } from "../lib/jobs.ts";
import { runsApi } from "../lib/runs.ts";
import { ConfirmButton } from "./ConfirmButton.tsx";
import { ErrorNote, messageOf } from "./ErrorNote.tsx";
import { RunStatusBadge } from "./RunStatus.tsx";

/** When a job runs, in words where the cron is a common shape. */
export function JobSchedule(props: { job: Job }) {
  return (
    <Show when={props.job.cron} fallback={<span class="muted">Only when run by hand</span>}>
      {(cron) => (
        <span>
          <Show when={describeCron(cron())}>{(w) => <span class="cron-words">{w()} · </span>}</Show>
          <code>{cron()}</code> <span class="muted small">{props.job.timezone}</span>
        </span>
      )}
    </Show>
  );
}

export function UpcomingTimes(props: { job: Job; max?: number }) {
  return (
    <Show
      when={props.job.enabled && props.job.upcoming.length}
      fallback={<span class="muted small">{props.job.enabled ? "No upcoming runs" : "Paused"}</span>}
    >
      <ol class="fire-times" aria-label={`Next runs of ${props.job.name}`}>
        <For each={props.job.upcoming.slice(0, props.max ?? 3)}>
          {(t) => (
            <li>
              <time datetime={t} title={`${formatDate(t)} your time`}>
                {formatInZone(t, props.job.timezone)}
              </time>
            </li>
          )}
        </For>
      </ol>
    </Show>
  );
}

/** One job in the project's list: schedule, next and last runs, and what can be done with it. */
export function JobRow(props: { job: Job; canEdit: boolean; onChange: (job: Job | null) => void }) {
  const navigate = useNavigate();
  const [error, setError] = createSignal<string | null>(null);
  const [busy, setBusy] = createSignal(false);
  const j = () => props.job;
  const act = async (f: () => Promise<void>) => {
    setBusy(true);
    setError(null);
    try {
      await f();
    } catch (err) {
      setError(messageOf(err));
    } finally {
      setBusy(false);
    }
  };
  return (
    <li class="job-row" data-job-id={j().id}>
      <div class="job-main">
        <div class="job-title">
          <A href={`/jobs/${j().id}`} class="row-title">
            {j().name}
          </A>
          <span class="muted small">
            runs{" "}
            <Show when={j().notebookId} fallback={<em>a deleted notebook</em>}>
              <A href={`/notebooks/${j().notebookId}`}>{j().notebookName}</A>
            </Show>
          </span>
        </div>
        <div class="small">
          <JobSchedule job={j()} />
        </div>
        <Show when={j().problem}>
          <p class="notice notice-error small job-problem" role="alert">
            {j().problem}
          </p>
        </Show>
        <ErrorNote error={error()} />
      </div>
      <div class="job-next">
        <span class="small muted">Next</span>
        <UpcomingTimes job={j()} />
      </div>
      <div class="job-last">
        <span class="small muted">Last run</span>
        <Show when={j().lastRun} fallback={<span class="muted small">Never</span>}>
          {(r) => (
            <A href={`/runs/${r().id}`} class="job-last-run">
              <RunStatusBadge status={r().status} />{" "}
              <span class="small">{relativeTime(r().finishedAt ?? r().scheduledFor)}</span>
            </A>
          )}
        </Show>
      </div>
      <div class="job-actions">
        <label class="switch" title={j().enabled ? "Enabled: runs on its schedule" : "Paused"}>
          <input
            type="checkbox"
            role="switch"
            aria-checked={j().enabled}
            aria-label={`Enabled ${j().name}`}
            checked={j().enabled}
            disabled={!props.canEdit || busy()}
            onChange={(e) => {
              const enabled = e.currentTarget.checked;
              void act(async () => props.onChange(await runsApi.updateJob(j().id, { enabled })));
            }}
          />
          <span class="small">{j().enabled ? "On" : "Off"}</span>
        </label>
        <Show when={props.canEdit}>
          <button
            type="button"
            class="btn btn-sm"
            disabled={busy() || !j().notebookId}
            aria-label={`Run ${j().name} now`}
            onClick={() =>
              void act(async () => {
                const run = await runsApi.runJob(j().id);
                navigate(`/runs/${run.id}`);
              })
            }
          >
            Run now
          </button>
          <A class="btn btn-sm btn-ghost" href={`/jobs/${j().id}?edit=1`} aria-label={`Edit ${j().name}`}>
            Edit
          </A>
          <ConfirmButton
            label="Delete"
            ariaLabel={`Delete job ${j().name}`}
            confirmLabel="Delete job"
            onConfirm={() =>
              act(async () => {
                await runsApi.deleteJob(j().id);
                props.onChange(null);
              })
            }
          />
        </Show>
      </div>
    </li>
  );
}

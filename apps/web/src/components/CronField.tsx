import { createEffect, createSignal, For, on, onCleanup, Show } from "solid-js";
import { formatDate } from "../lib/format.ts";
import { describeCron, formatInZone, timeZones } from "../lib/jobs.ts";
import { runsApi } from "../lib/runs.ts";
import { messageOf } from "./ErrorNote.tsx";

/**
 * Cron and time zone fields with a live preview of the next fire times, computed by the server
 * (so the page shows exactly what the scheduler will do, and the server's own error when it
 * cannot read the expression).
 */
export function CronField(props: {
  cron: string;
  timezone: string;
  onCron: (v: string) => void;
  onTimezone: (v: string) => void;
  /** Whether the server accepted the expression (the form refuses to save otherwise). */
  onValid?: (valid: boolean) => void;
}) {
  const [upcoming, setUpcoming] = createSignal<string[]>([]);
  const [error, setError] = createSignal<string | null>(null);
  const [checking, setChecking] = createSignal(false);
  let timer: number | undefined;
  let generation = 0;
  onCleanup(() => clearTimeout(timer));

  createEffect(
    on([() => props.cron.trim(), () => props.timezone.trim()], ([cron, tz]) => {
      clearTimeout(timer);
      const gen = ++generation;
      if (!cron) {
        setUpcoming([]);
        setError(null);
        props.onValid?.(true);
        return;
      }
      setChecking(true);
      // Wait for a pause in typing before asking the server.
      timer = window.setTimeout(async () => {
        try {
          const preview = await runsApi.cronPreview(cron, tz || "UTC");
          if (gen !== generation) return;
          setUpcoming(preview.upcoming);
          setError(null);
          props.onValid?.(true);
        } catch (err) {
          if (gen !== generation) return;
          setUpcoming([]);
          setError(messageOf(err));
          props.onValid?.(false);
        } finally {
          if (gen === generation) setChecking(false);
        }
      }, 300);
    }),
  );

  const words = () => describeCron(props.cron);
  return (
    <fieldset class="cron-field">
      <legend>Schedule</legend>
      <div class="form-grid">
        <label class="field">
          <span>Cron</span>
          <input
            class="input mono"
            name="cron"
            placeholder="0 2 * * *   (empty: runs only when asked)"
            value={props.cron}
            onInput={(e) => props.onCron(e.currentTarget.value)}
            aria-invalid={error() ? "true" : undefined}
            aria-describedby="cron-help cron-error"
          />
        </label>
        <label class="field">
          <span>Time zone</span>
          <input
            class="input"
            name="timezone"
            list="time-zones"
            value={props.timezone}
            onInput={(e) => props.onTimezone(e.currentTarget.value)}
          />
          <datalist id="time-zones">
            <For each={timeZones()}>{(z) => <option value={z} />}</For>
          </datalist>
        </label>
      </div>
      <p id="cron-help" class="muted small">
        Five fields (minute hour day-of-month month day-of-week) or <code>@daily</code>, <code>@hourly</code>…
        <Show when={props.cron.trim() && words()}>
          {" "}
          — {words()} ({props.timezone || "UTC"})
        </Show>
      </p>
      <p id="cron-error" class="filter-error" role="alert">
        {error() ? error() : ""}
      </p>
      <Show when={upcoming().length}>
        <div class="cron-preview">
          <span class="small muted">Next runs{checking() ? " (checking…)" : ""}:</span>
          <ol class="fire-times" aria-label="Next fire times">
            <For each={upcoming()}>
              {(t) => (
                <li>
                  <time datetime={t} title={`${formatDate(t)} your time`}>
                    {formatInZone(t, props.timezone.trim() || "UTC")}
                  </time>
                </li>
              )}
            </For>
          </ol>
        </div>
      </Show>
    </fieldset>
  );
}

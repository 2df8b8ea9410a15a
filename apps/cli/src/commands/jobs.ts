import type {
  CreateJobBody,
  Job,
  Notebook,
  NotebookRun,
  NotebookRunPage,
  Project,
  UpdateJobBody,
} from "@tandem/protocol";
import type { TandemClient } from "../client.ts";
import { type CommandContext, group, need, UsageError } from "../command.ts";
import { commaList, intFlag, isNone, stringFlag } from "../flags.ts";
import { duration, print } from "../output.ts";
import { parametersFromFlags } from "../params.ts";
import { reportRun, runPolicyFromFlags, startRun } from "./notebook-runs.ts";

/** GET /cron/preview's answer (the protocol exports the schema, not its type). */
interface CronPreview {
  cron: string;
  timezone: string;
  upcoming: string[];
}

const JOB_COLS = ["id", "name", "notebook", "cron", "timezone", "enabled", "next", "last"];

const jobRow = (j: Job) => ({
  id: j.id,
  name: j.name,
  notebook: j.notebookName ?? "(deleted)",
  cron: j.cron ?? "(manual)",
  timezone: j.timezone,
  enabled: j.enabled ? "yes" : "paused",
  next: j.enabled ? j.nextFireAt : null,
  last: j.lastRun ? `${j.lastRun.status} ${j.lastRun.finishedAt ?? j.lastRun.scheduledFor}` : null,
});

/** A fire time as the schedule's own clock reads it (`Wed 2026-07-01 02:00 Europe/Paris`), beside the UTC instant. */
export function fireTime(iso: string, timeZone: string): string {
  let parts: Intl.DateTimeFormatPart[];
  try {
    parts = new Intl.DateTimeFormat("en-GB", {
      timeZone,
      weekday: "short",
      year: "numeric",
      month: "2-digit",
      day: "2-digit",
      hour: "2-digit",
      minute: "2-digit",
      hourCycle: "h23",
    }).formatToParts(new Date(iso));
  } catch {
    return iso; // a zone this Node does not know: the server's instant alone
  }
  // The zone's own name: ICU's short names are only sometimes abbreviations (CEST, but GMT-5 for New York).
  const p = Object.fromEntries(parts.map((x) => [x.type, x.value]));
  return `${iso}  (${p.weekday} ${p.year}-${p.month}-${p.day} ${p.hour}:${p.minute} ${timeZone})`;
}

function showJob(j: Job, recent: NotebookRun[]): string {
  const policy = [
    `catch-up ${j.catchUp}`,
    `concurrency ${j.concurrency}`,
    `timeout ${j.timeoutSeconds ? `${j.timeoutSeconds}s` : "none"}`,
    `retries ${j.retries}${j.retries ? ` (backoff ${j.retryBackoffSeconds}s, doubling)` : ""}`,
    j.stopOnError ? "stop on error" : "go on after errors",
  ];
  const lines = [
    `${j.name}  (${j.id})`,
    `notebook:    ${j.notebookName ?? "(deleted)"}${j.notebookId ? `  (${j.notebookId})` : ""}`,
    `schedule:    ${j.cron ? `${j.cron}  in ${j.timezone}` : "none: runs only when asked (tandem schedule run)"}`,
    `enabled:     ${j.enabled ? "yes" : "no (paused)"}`,
    `parameters:  ${JSON.stringify(j.parameters)}`,
    `environment: ${j.environmentId ?? "default"}`,
    `revision:    ${j.revision ?? "latest at each run"}`,
    `policy:      ${policy.join(", ")}`,
    `webhook:     ${j.webhook ? `${j.webhook.url}  on ${j.webhook.events.join(", ")}` : "none"}`,
  ];
  if (j.problem) lines.push(`problem:     ${j.problem}`);
  if (j.cron && j.enabled)
    lines.push(
      "next runs:",
      ...(j.upcoming.length ? j.upcoming.map((t) => `  ${fireTime(t, j.timezone)}`) : ["  (none)"]),
    );
  if (recent.length)
    lines.push(
      "recent runs:",
      ...recent.map((r) =>
        `  #${r.number}  ${r.status.padEnd(9)}  ${r.scheduledFor}  ${duration(r.durationMs)}  ${r.id}`.trimEnd(),
      ),
    );
  return `${lines.join("\n")}\n`;
}

async function printJob(ctx: CommandContext, client: TandemClient, job: Job): Promise<void> {
  if (ctx.json) return print(job, true);
  const recent = await client.get<NotebookRunPage>(`/api/jobs/${job.id}/runs?limit=5`).catch(() => undefined);
  process.stdout.write(showJob(job, recent?.runs ?? []));
}

/**
 * `--webhook URL [--webhook-on success,failure]` (`--webhook none` removes it, in updates). In an
 * update, `--webhook-on` alone keeps the job's URL (`current`).
 */
function webhookFromFlags(ctx: CommandContext, current?: Job["webhook"]): Job["webhook"] | undefined {
  let url = stringFlag(ctx.flags, "webhook");
  const on = stringFlag(ctx.flags, "webhook-on");
  if (url === undefined && on !== undefined) {
    if (!current) throw new UsageError("--webhook-on needs --webhook URL");
    url = current.url;
  }
  if (url === undefined) return undefined;
  if (isNone(url)) return null;
  return { url, events: (on ? commaList(on) : ["failure"]) as ("success" | "failure")[] };
}

/** The job settings `create` and `update` share, after the first line of each usage. */
const SCHEDULE_FLAGS =
  "[-p key=value]... [--params-file FILE.json] [--env ENV_ID] [--revision VERSION_ID] [--timeout SECONDS]\n" +
  "      [--retries N] [--backoff SECONDS] [--catch-up none|latest|all] [--concurrency allow|skip|queue]\n" +
  "      [--webhook URL] [--webhook-on success,failure]";

// The command keeps the word its users type (`tandem schedule`); what it manages are jobs (REST `/jobs`).
export const jobs = group("schedule", {
  list: {
    usage: "schedule list [--project PROJECT_ID]   (every project when none is named)",
    async run(ctx) {
      const client = await ctx.client();
      const project = stringFlag(ctx.flags, "project");
      const ids = project ? [project] : (await client.get<Project[]>("/api/projects")).map((p) => p.id);
      const jobs = (await Promise.all(ids.map((id) => client.get<Job[]>(`/api/projects/${id}/jobs`)))).flat();
      print(ctx.json ? jobs : jobs.map(jobRow), ctx.json, JOB_COLS);
      return 0;
    },
  },
  create: {
    usage:
      'schedule create NOTEBOOK_ID [--name NAME] [--cron "0 2 * * *"] [--tz Europe/Paris] [--disabled] [--no-stop-on-error]\n' +
      `      ${SCHEDULE_FLAGS}`,
    async run(ctx) {
      const [notebookId] = need(ctx.args, 1, "schedule create NOTEBOOK_ID --name NAME [--cron CRON] [--tz ZONE] …");
      const f = ctx.flags;
      const client = await ctx.client();
      const notebook = await client.get<Notebook>(`/api/notebooks/${notebookId}`);
      const body: CreateJobBody = {
        notebookId: notebook.id,
        name: stringFlag(f, "name") ?? notebook.name,
        parameters: (await parametersFromFlags(f)) ?? {},
        ...runPolicyFromFlags(ctx),
      };
      const cron = stringFlag(f, "cron");
      if (cron !== undefined) body.cron = isNone(cron) ? null : cron;
      const tz = stringFlag(f, "tz");
      if (tz !== undefined) body.timezone = tz;
      const catchUp = stringFlag(f, "catch-up");
      if (catchUp !== undefined) body.catchUp = catchUp as CreateJobBody["catchUp"];
      const concurrency = stringFlag(f, "concurrency");
      if (concurrency !== undefined) body.concurrency = concurrency as CreateJobBody["concurrency"];
      const webhook = webhookFromFlags(ctx);
      if (webhook !== undefined) body.webhook = webhook;
      if (f.disabled) body.enabled = false;
      await printJob(ctx, client, await client.post<Job>(`/api/projects/${notebook.projectId}/jobs`, body));
      return 0;
    },
  },
  show: {
    usage: "schedule show JOB_ID",
    async run(ctx) {
      const [id] = need(ctx.args, 1, this.usage);
      const client = await ctx.client();
      await printJob(ctx, client, await client.get<Job>(`/api/jobs/${id}`));
      return 0;
    },
  },
  update: {
    usage:
      "schedule update JOB_ID [--name NAME] [--cron CRON] [--tz ZONE] [--enabled|--disabled] [--[no-]stop-on-error]\n" +
      `      ${SCHEDULE_FLAGS} [--replace-params]\n` +
      "      (-p merges into the job's parameters unless --replace-params; --cron/--env/--revision/--timeout/--webhook none clear them)",
    async run(ctx) {
      const [id] = need(ctx.args, 1, "schedule update JOB_ID [--name NAME] [--cron CRON] …");
      const f = ctx.flags;
      const client = await ctx.client();
      const body: UpdateJobBody = {};
      let current: Promise<Job> | undefined;
      const job = () => (current ??= client.get<Job>(`/api/jobs/${id}`));
      const name = stringFlag(f, "name");
      if (name !== undefined) body.name = name;
      const parameters = await parametersFromFlags(f);
      if (parameters) {
        body.parameters = f["replace-params"] ? parameters : { ...(await job()).parameters, ...parameters };
      }
      const nullable = (flag: string) => {
        const v = stringFlag(f, flag);
        return v === undefined ? undefined : isNone(v) ? null : v;
      };
      const cron = nullable("cron");
      if (cron !== undefined) body.cron = cron;
      const env = nullable("env");
      if (env !== undefined) body.environmentId = env;
      const revision = nullable("revision");
      if (revision !== undefined) body.revision = revision;
      const timeout = stringFlag(f, "timeout");
      if (timeout !== undefined) body.timeoutSeconds = isNone(timeout) ? null : intFlag(f, "timeout")!;
      const tz = stringFlag(f, "tz");
      if (tz !== undefined) body.timezone = tz;
      const retries = intFlag(f, "retries");
      if (retries !== undefined) body.retries = retries;
      const backoff = intFlag(f, "backoff");
      if (backoff !== undefined) body.retryBackoffSeconds = backoff;
      const catchUp = stringFlag(f, "catch-up");
      if (catchUp !== undefined) body.catchUp = catchUp as UpdateJobBody["catchUp"];
      const concurrency = stringFlag(f, "concurrency");
      if (concurrency !== undefined) body.concurrency = concurrency as UpdateJobBody["concurrency"];
      const keepUrl = f["webhook-on"] !== undefined && f.webhook === undefined;
      const webhook = webhookFromFlags(ctx, keepUrl ? (await job()).webhook : undefined);
      if (webhook !== undefined) body.webhook = webhook;
      if (f["stop-on-error"] && f["no-stop-on-error"])
        throw new UsageError("--stop-on-error and --no-stop-on-error contradict each other");
      if (f["stop-on-error"]) body.stopOnError = true;
      if (f["no-stop-on-error"]) body.stopOnError = false;
      if (f.enabled && f.disabled) throw new UsageError("--enabled and --disabled contradict each other");
      if (f.enabled) body.enabled = true;
      if (f.disabled) body.enabled = false;
      if (!Object.keys(body).length) throw new UsageError(`usage: tandem ${this.usage}\n(nothing to change)`);
      await printJob(ctx, client, await client.patch<Job>(`/api/jobs/${id}`, body));
      return 0;
    },
  },
  pause: {
    usage: "schedule pause JOB_ID   (no more scheduled runs until resumed; running ones go on)",
    async run(ctx) {
      const [id] = need(ctx.args, 1, "schedule pause JOB_ID");
      const job = await (await ctx.client()).patch<Job>(`/api/jobs/${id}`, { enabled: false } satisfies UpdateJobBody);
      print(ctx.json ? job : jobRow(job), ctx.json, JOB_COLS);
      return 0;
    },
  },
  resume: {
    usage: "schedule resume JOB_ID",
    async run(ctx) {
      const [id] = need(ctx.args, 1, this.usage);
      const job = await (await ctx.client()).patch<Job>(`/api/jobs/${id}`, { enabled: true } satisfies UpdateJobBody);
      print(ctx.json ? job : jobRow(job), ctx.json, JOB_COLS);
      return 0;
    },
  },
  run: {
    usage: "schedule run JOB_ID [-p key=value]... [--params-file FILE.json] [--wait]   (now, outside the schedule)",
    async run(ctx) {
      const [id] = need(ctx.args, 1, "schedule run JOB_ID [-p key=value]... [--wait]");
      const parameters = await parametersFromFlags(ctx.flags);
      const client = await ctx.client();
      return reportRun(ctx, client, await startRun(client, `/api/jobs/${id}/run`, parameters ? { parameters } : {}));
    },
  },
  delete: {
    usage: "schedule delete JOB_ID",
    async run(ctx) {
      const [id] = need(ctx.args, 1, this.usage);
      await (await ctx.client()).delete(`/api/jobs/${id}`);
      return 0;
    },
  },
  preview: {
    usage: 'schedule preview "CRON" [--tz ZONE] [--count N]   (the next fire times, checked by the server)',
    async run(ctx) {
      const [cron] = need(ctx.args, 1, 'schedule preview "CRON" [--tz ZONE] [--count N]');
      const q = new URLSearchParams({ cron: cron! });
      const tz = stringFlag(ctx.flags, "tz");
      if (tz !== undefined) q.set("timezone", tz);
      const count = intFlag(ctx.flags, "count");
      if (count !== undefined) q.set("count", String(count));
      const preview = await (await ctx.client()).get<CronPreview>(`/api/cron/preview?${q}`);
      if (ctx.json) print(preview, true);
      else process.stdout.write(preview.upcoming.map((t) => `${fireTime(t, preview.timezone)}\n`).join(""));
      return 0;
    },
  },
});

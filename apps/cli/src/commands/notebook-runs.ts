import { writeFile } from "node:fs/promises";
import type { CreateRunBody, NotebookRun, NotebookRunPage, Project, RerunBody } from "@tandem/protocol";
import { ApiRequestError, type TandemClient } from "../client.ts";
import { type Command, type CommandContext, group, need, UsageError } from "../command.ts";
import { intFlag, stringFlag } from "../flags.ts";
import { duration, print } from "../output.ts";
import { parametersFromFlags } from "../params.ts";
import { failureText, waitForRun } from "../wait.ts";

const RUN_COLS = ["id", "#", "notebook", "job", "status", "trigger", "created", "duration"];

const runRow = (r: NotebookRun) => ({
  id: r.id,
  "#": r.number,
  notebook: r.notebookName,
  job: r.jobName,
  status: r.status,
  trigger: r.trigger,
  created: r.createdAt,
  duration: duration(r.durationMs),
});

/**
 * What every command that starts a run prints: the run id alone on stdout (or the run as JSON),
 * so that `id=$(tandem run …)` works; with --wait, progress goes to stderr and the exit code says
 * whether the run succeeded.
 */
export async function reportRun(ctx: CommandContext, client: TandemClient, run: NotebookRun): Promise<number> {
  if (!ctx.flags.wait) {
    if (ctx.json) print(run, true);
    else process.stdout.write(`${run.id}\n`);
    return 0;
  }
  if (!ctx.json) process.stdout.write(`${run.id}\n`);
  return finishWaiting(ctx, client, run.id);
}

async function finishWaiting(ctx: CommandContext, client: TandemClient, id: string): Promise<number> {
  const done = await waitForRun(client, id);
  if (done === "interrupted") {
    process.stderr.write(
      `\nStopped waiting; run ${id} goes on on the server (tandem runs wait ${id} to watch it again, tandem runs cancel ${id} to stop it).\n`,
    );
    return 130;
  }
  if (ctx.json) print(done, true);
  if (done.status === "succeeded") {
    process.stderr.write(`run #${done.number} succeeded in ${duration(done.durationMs)}\n`);
    return 0;
  }
  process.stderr.write(`tandem: ${failureText(done)}\n`);
  return 1;
}

/**
 * Starts a run (POST), adding a hint when the server refuses a string parameter that `-p` read as
 * a number or a boolean (`-p version=2` where the notebook declares `version = "1"`).
 */
export async function startRun(client: TandemClient, path: string, body: unknown): Promise<NotebookRun> {
  try {
    return await client.post<NotebookRun>(path, body);
  } catch (err) {
    if (err instanceof ApiRequestError && /must be a str, got/.test(err.message))
      throw new ApiRequestError(
        err.status,
        err.code,
        `${err.message} (-p reads numbers, true/false and null as such; for a string, quote it as JSON: -p key='"2"')`,
      );
    throw err;
  }
}

/** The run policy flags shared by `tandem run` and `tandem schedule create`. */
export function runPolicyFromFlags(ctx: CommandContext): Omit<CreateRunBody, "parameters"> {
  const f = ctx.flags;
  const body: Omit<CreateRunBody, "parameters"> = {};
  const env = stringFlag(f, "env");
  if (env !== undefined) body.environmentId = env;
  const revision = stringFlag(f, "revision");
  if (revision !== undefined) body.revision = revision;
  const timeout = intFlag(f, "timeout");
  if (timeout !== undefined) body.timeoutSeconds = timeout;
  const retries = intFlag(f, "retries");
  if (retries !== undefined) body.retries = retries;
  const backoff = intFlag(f, "backoff");
  if (backoff !== undefined) body.retryBackoffSeconds = backoff;
  if (f["no-stop-on-error"]) body.stopOnError = false;
  return body;
}

export const run: Command = {
  usage:
    "run NOTEBOOK_ID [-p key=value]... [-p key:=json] [--params-file FILE.json] [--env ENV_ID] [--revision VERSION_ID]\n" +
    "      [--timeout SECONDS] [--retries N] [--backoff SECONDS] [--no-stop-on-error] [--wait]\n" +
    "      (a headless run of a frozen copy; prints the run id; --wait: progress on stderr, exit 0 only on success)",
  async run(ctx) {
    const [id] = need(ctx.args, 1, "run NOTEBOOK_ID [-p key=value]... [--wait]");
    const body: CreateRunBody = {
      parameters: (await parametersFromFlags(ctx.flags)) ?? {},
      ...runPolicyFromFlags(ctx),
    };
    const client = await ctx.client();
    return reportRun(ctx, client, await startRun(client, `/api/notebooks/${id}/runs`, body));
  },
};

const query = (params: Record<string, string | undefined>) => {
  const q = new URLSearchParams(Object.entries(params).filter((e): e is [string, string] => e[1] !== undefined));
  return q.size ? `?${q}` : "";
};

/** Runs in a scope (a project, a notebook, a job), or across every project the caller sees. */
async function listRuns(ctx: CommandContext): Promise<NotebookRunPage> {
  const f = ctx.flags;
  const [project, notebook, job] = ["project", "notebook", "job"].map((n) => stringFlag(f, n));
  const filters = { status: stringFlag(f, "status"), limit: stringFlag(f, "limit"), cursor: stringFlag(f, "cursor") };
  const client = await ctx.client();
  if (project)
    return client.get(`/api/projects/${project}/runs${query({ ...filters, notebookId: notebook, jobId: job })}`);
  if (job) return client.get(`/api/jobs/${job}/runs${query({ ...filters, notebookId: notebook })}`);
  if (notebook) return client.get(`/api/notebooks/${notebook}/runs${query(filters)}`);
  if (filters.cursor) throw new UsageError("--cursor needs the --project, --notebook or --job it came from");
  const pages = await Promise.all(
    (await client.get<Project[]>("/api/projects")).map((p) =>
      client.get<NotebookRunPage>(`/api/projects/${p.id}/runs${query(filters)}`),
    ),
  );
  const limit = Number(filters.limit ?? 50);
  const runs = pages.flatMap((p) => p.runs).sort((a, b) => b.createdAt.localeCompare(a.createdAt));
  return { runs: runs.slice(0, limit), nextCursor: null };
}

/** A run in full, for people: what ran, how it went, cell by cell. */
function showRun(r: NotebookRun): string {
  const cellMark: Record<string, string> = {
    ok: "✓",
    error: "✗",
    running: "…",
    pending: " ",
    aborted: "-",
    skipped: "-",
  };
  const lines = [
    `run #${r.number} of ${r.notebookName}  (${r.id})`,
    `status:      ${r.status}${r.maxAttempts > 1 ? `  (attempt ${r.attempt}/${r.maxAttempts})` : ""}`,
    `trigger:     ${r.trigger}${r.jobName ? `  job ${r.jobName} (${r.jobId})` : ""}${r.rerunOf ? `  re-run of ${r.rerunOf}` : ""}`,
    `parameters:  ${JSON.stringify(r.parameters)}`,
    `revision:    ${r.revision ?? "latest at start"}`,
    `environment: ${r.environmentId ?? "default"}${r.kernelspec ? `  (${r.kernelspec})` : ""}`,
    `scheduled:   ${r.scheduledFor}`,
    `started:     ${r.startedAt ?? "-"}`,
    `finished:    ${r.finishedAt ?? "-"}${r.durationMs == null ? "" : `  (${duration(r.durationMs)})`}`,
  ];
  if (r.timeoutSeconds) lines.push(`timeout:     ${r.timeoutSeconds}s`);
  if (r.experimentRunId) lines.push(`experiment:  run ${r.experimentRunId} of experiment ${r.experimentId}`);
  if (r.documentId) lines.push(`document:    /collab/${r.documentId}`);
  if (r.error)
    lines.push(`error:       ${failureText(r).split("\n").slice(1).join("\n             ")}  [${r.error.code}]`);
  const metrics = Object.entries(r.metrics);
  if (metrics.length) lines.push("metrics:", ...metrics.map(([k, m]) => `  ${k} = ${m.value}  (step ${m.step})`));
  if (r.cells.length)
    lines.push(
      "cells:",
      ...r.cells.map(
        (c) =>
          `  ${cellMark[c.status] ?? "?"} ${String(c.index + 1).padStart(3)}  ${c.cellId}  ${c.status}${c.durationMs == null ? "" : `  ${duration(c.durationMs)}`}`,
      ),
    );
  return `${lines.join("\n")}\n`;
}

export const runs = group("runs", {
  list: {
    usage:
      "runs list [--project PROJECT_ID | --notebook NOTEBOOK_ID | --job JOB_ID] [--status STATUS] [--limit N] [--cursor C]",
    async run(ctx) {
      const page = await listRuns(ctx);
      if (ctx.json) print(page, true);
      else {
        print(page.runs.map(runRow), false, RUN_COLS);
        if (page.nextCursor) process.stderr.write(`(more: --cursor ${page.nextCursor})\n`);
      }
      return 0;
    },
  },
  show: {
    usage: "runs show RUN_ID",
    async run(ctx) {
      const [id] = need(ctx.args, 1, this.usage);
      const r = await (await ctx.client()).get<NotebookRun>(`/api/runs/${id}`);
      if (ctx.json) print(r, true);
      else process.stdout.write(showRun(r));
      return 0;
    },
  },
  wait: {
    usage: "runs wait RUN_ID   (progress on stderr; exit 0 only when the run succeeded)",
    async run(ctx) {
      const [id] = need(ctx.args, 1, "runs wait RUN_ID");
      return finishWaiting(ctx, await ctx.client(), id!);
    },
  },
  cancel: {
    usage: "runs cancel RUN_ID",
    async run(ctx) {
      const [id] = need(ctx.args, 1, this.usage);
      const r = await (await ctx.client()).post<NotebookRun>(`/api/runs/${id}/cancel`);
      print(ctx.json ? r : runRow(r), ctx.json, RUN_COLS);
      return 0;
    },
  },
  retry: {
    usage: "runs retry RUN_ID [--wait]   (a new run with the same notebook, parameters and policy)",
    async run(ctx) {
      const [id] = need(ctx.args, 1, "runs retry RUN_ID [--wait]");
      const client = await ctx.client();
      return reportRun(ctx, client, await client.post<NotebookRun>(`/api/runs/${id}/retry`));
    },
  },
  rerun: {
    usage:
      "runs rerun RUN_ID [-p key=value]... [--params-file FILE.json] [--wait]   (named parameters replaced, others kept)",
    async run(ctx) {
      const [id] = need(ctx.args, 1, "runs rerun RUN_ID [-p key=value]... [--wait]");
      const parameters = await parametersFromFlags(ctx.flags);
      const body: RerunBody = parameters ? { parameters } : {};
      const client = await ctx.client();
      return reportRun(ctx, client, await startRun(client, `/api/runs/${id}/rerun`, body));
    },
  },
  detach: {
    usage:
      "runs detach NOTEBOOK_ID [--cell CELL_ID] [--wait]   (run the notebook on from a cell, with no browser attached)",
    async run(ctx) {
      const [id] = need(ctx.args, 1, "runs detach NOTEBOOK_ID [--cell CELL_ID] [--wait]");
      const cellId = stringFlag(ctx.flags, "cell");
      const client = await ctx.client();
      return reportRun(
        ctx,
        client,
        await client.post<NotebookRun>(`/api/notebooks/${id}/detach`, cellId ? { cellId } : {}),
      );
    },
  },
  logs: {
    usage: "runs logs RUN_ID",
    async run(ctx) {
      const [id] = need(ctx.args, 1, this.usage);
      const text = await (await (await ctx.client()).raw("GET", `/api/runs/${id}/logs`)).text();
      process.stdout.write(text);
      return 0;
    },
  },
  export: {
    usage: "runs export RUN_ID [-o FILE.ipynb]   (the executed notebook)",
    async run(ctx) {
      const [id] = need(ctx.args, 1, "runs export RUN_ID [-o FILE.ipynb]");
      const text = await (await (await ctx.client()).raw("GET", `/api/runs/${id}/ipynb`)).text();
      const out = stringFlag(ctx.flags, "output");
      if (out !== undefined) await writeFile(out, text);
      else process.stdout.write(text.endsWith("\n") ? text : `${text}\n`);
      return 0;
    },
  },
  delete: {
    usage: "runs delete RUN_ID",
    async run(ctx) {
      const [id] = need(ctx.args, 1, this.usage);
      await (await ctx.client()).delete(`/api/runs/${id}`);
      return 0;
    },
  },
});

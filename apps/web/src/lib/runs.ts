import type {
  CreateJobBody,
  CreateRunBody,
  Environment,
  Job,
  NotebookRun,
  NotebookRunPage,
  NotebookRunStatus,
  Parameters,
  UpdateJobBody,
} from "@tandem/protocol";
import { request } from "./api.ts";

export type { CreateJobBody, Job, NotebookRun, NotebookRunPage, NotebookRunStatus, UpdateJobBody };
export type CronPreview = { cron: string; timezone: string; upcoming: string[] };
export type RunQuery = {
  status?: string;
  jobId?: string;
  notebookId?: string;
  documentId?: string;
  limit?: number;
  cursor?: string;
};

function query(q: RunQuery): string {
  const p = new URLSearchParams();
  for (const [k, v] of Object.entries(q)) if (v !== undefined && v !== "") p.set(k, String(v));
  const s = p.toString();
  return s ? `?${s}` : "";
}

/** The scheduler's REST API: notebook runs and job definitions. */
export const runsApi = {
  startRun: (notebookId: string, body: CreateRunBody) =>
    request<NotebookRun>("POST", `/notebooks/${notebookId}/runs`, body),
  notebookRuns: (notebookId: string, q: RunQuery = {}) =>
    request<NotebookRunPage>("GET", `/notebooks/${notebookId}/runs${query(q)}`),
  projectRuns: (projectId: string, q: RunQuery = {}) =>
    request<NotebookRunPage>("GET", `/projects/${projectId}/runs${query(q)}`),
  run: (id: string) => request<NotebookRun>("GET", `/runs/${id}`),
  cancel: (id: string) => request<NotebookRun>("POST", `/runs/${id}/cancel`),
  retry: (id: string) => request<NotebookRun>("POST", `/runs/${id}/retry`),
  rerun: (id: string, parameters?: Parameters) =>
    request<NotebookRun>("POST", `/runs/${id}/rerun`, parameters ? { parameters } : {}),
  deleteRun: (id: string) => request<void>("DELETE", `/runs/${id}`),
  detach: (notebookId: string, cellId?: string) =>
    request<NotebookRun>("POST", `/notebooks/${notebookId}/detach`, cellId ? { cellId } : {}),
  logsUrl: (id: string) => `/api/runs/${id}/logs`,
  ipynbUrl: (id: string) => `/api/runs/${id}/ipynb`,

  jobs: (projectId: string) => request<Job[]>("GET", `/projects/${projectId}/jobs`),
  job: (id: string) => request<Job>("GET", `/jobs/${id}`),
  createJob: (projectId: string, body: CreateJobBody) => request<Job>("POST", `/projects/${projectId}/jobs`, body),
  updateJob: (id: string, body: UpdateJobBody) => request<Job>("PATCH", `/jobs/${id}`, body),
  deleteJob: (id: string) => request<void>("DELETE", `/jobs/${id}`),
  runJob: (id: string, parameters?: Parameters) =>
    request<NotebookRun>("POST", `/jobs/${id}/run`, parameters ? { parameters } : {}),
  jobRuns: (id: string, q: RunQuery = {}) => request<NotebookRunPage>("GET", `/jobs/${id}/runs${query(q)}`),

  cronPreview: (cron: string, timezone: string, count = 5) =>
    request<CronPreview>(
      "GET",
      `/cron/preview?cron=${encodeURIComponent(cron)}&timezone=${encodeURIComponent(timezone)}&count=${count}`,
    ),
  environments: () => request<Environment[]>("GET", "/environments"),
};

/** The logs as text (the route answers text/plain, which `request` does not parse). */
export async function fetchLogs(id: string): Promise<string> {
  const res = await fetch(runsApi.logsUrl(id), { credentials: "same-origin" });
  const text = await res.text();
  if (!res.ok) {
    let message = `The server answered ${res.status}`;
    try {
      message = JSON.parse(text).error.message ?? message;
    } catch {}
    throw new Error(message);
  }
  return text;
}

/** The run whose own document is `documentId` (a notebook of kind "run"). */
export async function findRunByDocument(projectId: string, documentId: string): Promise<NotebookRun | null> {
  const page = await runsApi.projectRuns(projectId, { documentId, limit: 1 });
  return page.runs[0] ?? null;
}

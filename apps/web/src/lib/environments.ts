import type { CreateEnvironmentBody, Environment, LockedPackage } from "@tandem/protocol";
import { ApiError, request } from "./api.ts";

export type { Environment, LockedPackage };

export const envHref = (id: string) => `/environments/${id}`;

export const envsApi = {
  list: () => request<Environment[]>("GET", "/environments"),
  get: (id: string) => request<Environment>("GET", `/environments/${id}`),
  create: (spec: CreateEnvironmentBody) => request<Environment>("POST", "/environments", spec),
  rebuild: (id: string) => request<Environment>("POST", `/environments/${id}/build`),
  remove: (id: string) => request<void>("DELETE", `/environments/${id}`),
  requirementsHref: (id: string) => `/api/environments/${id}/requirements.txt`,
  /** Moves a notebook to an environment's kernel (the kernel restarts). */
  useIn: (notebookId: string, kernelspec: string) =>
    request<unknown>("PUT", `/notebooks/${notebookId}/kernel`, { kernelspec }),
};

/** Follows a build's log as it is written (chunked text until the build ends); calls `onText` with all so far. */
export async function followLog(id: string, onText: (text: string) => void, signal?: AbortSignal): Promise<void> {
  const res = await fetch(`/api/environments/${id}/logs?follow=true`, { credentials: "same-origin", signal });
  if (!res.ok || !res.body) throw new ApiError(res.status, "http_error", `The log could not be read (${res.status})`);
  const reader = res.body.pipeThrough(new TextDecoderStream()).getReader();
  let text = "";
  for (;;) {
    const { value, done } = await reader.read();
    if (done) return;
    text += value;
    onText(text);
  }
}

/** Requirement lines from a textarea: one per line, comments and blanks dropped. */
export function requirementsFrom(text: string): string[] {
  return text
    .split(/\r?\n/)
    .map((l) => l.replace(/(^|\s)#.*$/, "").trim())
    .filter(Boolean);
}

export interface LockDiffRow {
  name: string;
  before: string | null;
  after: string | null;
  change: "added" | "removed" | "upgraded" | "downgraded" | "changed";
}

/** Compares versions as dotted numbers where they are (1.10 > 1.9), else as text. */
function compareVersions(a: string, b: string): number {
  const pa = a.split(/[.+-]/);
  const pb = b.split(/[.+-]/);
  for (let i = 0; i < Math.max(pa.length, pb.length); i++) {
    const x = pa[i] ?? "0";
    const y = pb[i] ?? "0";
    const nx = Number(x);
    const ny = Number(y);
    const c = Number.isFinite(nx) && Number.isFinite(ny) ? nx - ny : x.localeCompare(y);
    if (c !== 0) return Math.sign(c);
  }
  return 0;
}

/** What changed between two locks, package by package (unchanged ones left out), sorted by name. */
export function lockDiff(before: LockedPackage[], after: LockedPackage[]): LockDiffRow[] {
  const old = new Map(before.map((p) => [p.name, p.version]));
  const now = new Map(after.map((p) => [p.name, p.version]));
  const rows: LockDiffRow[] = [];
  for (const name of [...new Set([...old.keys(), ...now.keys()])].sort()) {
    const b = old.get(name) ?? null;
    const a = now.get(name) ?? null;
    if (b === a) continue;
    const change =
      b === null
        ? "added"
        : a === null
          ? "removed"
          : compareVersions(a, b) > 0
            ? "upgraded"
            : compareVersions(a, b) < 0
              ? "downgraded"
              : "changed";
    rows.push({ name, before: b, after: a, change });
  }
  return rows;
}

/** The line a picker shows for an environment: name and version, Python, package count. */
export function envSummary(e: Environment): string {
  const v = e.version > 1 ? ` v${e.version}` : "";
  const py = e.python ? `Python ${e.python}` : "Python ?";
  return `${e.name}${v} · ${py} · ${e.packages?.length ?? 0} packages`;
}

export const formatBytes = (n: number | null) =>
  n == null ? "—" : n < 1024 ** 2 ? `${(n / 1024).toFixed(0)} KiB` : `${(n / 1024 ** 2).toFixed(1)} MiB`;

import type {
  ApiToken,
  CompleteReply,
  CreatedToken,
  InspectReply,
  Member,
  Notebook,
  Project,
  Role,
  ShareLink,
  User,
  Version,
} from "@tandem/protocol";

/** An error answered by the server (`{ error: { code, message } }`) or by the network. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

let unauthenticated: () => void = () => {};
/** Called when the server says the session is gone (expired, signed out elsewhere). */
export function onUnauthenticated(handler: () => void) {
  unauthenticated = handler;
}

export async function request<T>(method: string, path: string, body?: unknown, raw?: BodyInit): Promise<T> {
  let res: Response;
  try {
    res = await fetch(`/api${path}`, {
      method,
      credentials: "same-origin",
      headers: body !== undefined || raw !== undefined ? { "content-type": "application/json" } : {},
      body: raw ?? (body === undefined ? undefined : JSON.stringify(body)),
    });
  } catch {
    throw new ApiError(0, "network", "The server cannot be reached. Check your connection and try again.");
  }
  if (res.status === 204) return undefined as T;
  const text = await res.text();
  let parsed: any;
  try {
    parsed = text ? JSON.parse(text) : undefined;
  } catch {
    parsed = undefined;
  }
  if (!res.ok) {
    const err = parsed?.error;
    if (res.status === 401 && !path.startsWith("/auth/") && path !== "/me") unauthenticated();
    throw new ApiError(res.status, err?.code ?? "http_error", err?.message ?? `The server answered ${res.status}`);
  }
  return parsed as T;
}

export type { ShareLink, Version };
export type CompletionReply = CompleteReply;
export type InspectionReply = InspectReply;
/** A new share link: its token and URL are shown once. */
export type CreatedShareLink = ShareLink & { token: string; url: string };
/** The document's new epoch after a replace (restore, import over it). */
export interface ReplacedDocument {
  epoch: number;
}

/** A saved version with the notebook it holds (nbformat JSON). */
export interface VersionWithNotebook {
  version: Version;
  notebook: { cells: unknown[]; [key: string]: unknown };
}

export type ExecuteTarget = string[] | "all" | "above" | "below";

export const api = {
  me: () => request<User>("GET", "/me"),
  signup: (email: string, name: string, password: string) =>
    request<User>("POST", "/auth/signup", { email, name, password }),
  login: (email: string, password: string) => request<User>("POST", "/auth/login", { email, password }),
  logout: () => request<void>("POST", "/auth/logout"),

  projects: () => request<Project[]>("GET", "/projects"),
  project: (id: string) => request<Project>("GET", `/projects/${id}`),
  createProject: (name: string) => request<Project>("POST", "/projects", { name }),
  renameProject: (id: string, name: string) => request<Project>("PATCH", `/projects/${id}`, { name }),
  deleteProject: (id: string) => request<void>("DELETE", `/projects/${id}`),

  members: (projectId: string) => request<Member[]>("GET", `/projects/${projectId}/members`),
  addMember: (projectId: string, email: string, role: Role) =>
    request<Member>("POST", `/projects/${projectId}/members`, { email, role }),
  setMemberRole: (projectId: string, userId: string, role: Role) =>
    request<Member>("PATCH", `/projects/${projectId}/members/${userId}`, { role }),
  removeMember: (projectId: string, userId: string) =>
    request<void>("DELETE", `/projects/${projectId}/members/${userId}`),

  notebooks: (projectId: string) => request<Notebook[]>("GET", `/projects/${projectId}/notebooks`),
  notebook: (id: string) => request<Notebook>("GET", `/notebooks/${id}`),
  createNotebook: (projectId: string, name: string) =>
    request<Notebook>("POST", `/projects/${projectId}/notebooks`, { name }),
  importNotebook: (projectId: string, name: string, ipynb: string) =>
    request<Notebook>(
      "POST",
      `/projects/${projectId}/notebooks/import?name=${encodeURIComponent(name)}`,
      undefined,
      ipynb,
    ),
  renameNotebook: (id: string, name: string) => request<Notebook>("PATCH", `/notebooks/${id}`, { name }),
  deleteNotebook: (id: string) => request<void>("DELETE", `/notebooks/${id}`),
  exportUrl: (id: string) => `/api/notebooks/${id}/ipynb`,

  tokens: () => request<ApiToken[]>("GET", "/tokens"),
  createToken: (name: string, expiresAt?: string) => request<CreatedToken>("POST", "/tokens", { name, expiresAt }),
  revokeToken: (id: string) => request<void>("DELETE", `/tokens/${id}`),

  shareLinks: (notebookId: string) => request<ShareLink[]>("GET", `/notebooks/${notebookId}/share-links`),
  createShareLink: (notebookId: string, expiresAt?: string) =>
    request<CreatedShareLink>("POST", `/notebooks/${notebookId}/share-links`, expiresAt ? { expiresAt } : {}),
  revokeShareLink: (notebookId: string, linkId: string) =>
    request<void>("DELETE", `/notebooks/${notebookId}/share-links/${linkId}`),

  versions: (notebookId: string) => request<Version[]>("GET", `/notebooks/${notebookId}/versions`),
  createVersion: (notebookId: string, name: string) =>
    request<Version>("POST", `/notebooks/${notebookId}/versions`, { name }),
  version: (notebookId: string, versionId: string) =>
    request<VersionWithNotebook>("GET", `/notebooks/${notebookId}/versions/${versionId}`),
  restoreVersion: (notebookId: string, versionId: string) =>
    request<ReplacedDocument>("POST", `/notebooks/${notebookId}/versions/${versionId}/restore`),

  /** Queues cells on the notebook's kernel; `clientId` (this browser's Yjs client) receives input() prompts. */
  execute: (notebookId: string, cells: ExecuteTarget, opts: { cellId?: string; clientId?: number } = {}) =>
    request<unknown>("POST", `/notebooks/${notebookId}/execute`, {
      cells,
      ...opts,
      allowStdin: opts.clientId !== undefined,
    }),
  /** Answers the running cell's input() prompt. */
  input: (notebookId: string, value: string) => request<void>("POST", `/notebooks/${notebookId}/input`, { value }),
  /** Tab completion from the notebook's kernel (positions in code points). */
  complete: (notebookId: string, code: string, cursorPos: number) =>
    request<CompleteReply>("POST", `/notebooks/${notebookId}/complete`, { code, cursorPos }),
  /** Shift+Tab help: the signature and docstring at the cursor. */
  inspect: (notebookId: string, code: string, cursorPos: number) =>
    request<InspectReply>("POST", `/notebooks/${notebookId}/inspect`, { code, cursorPos }),
  interrupt: (notebookId: string) => request<unknown>("POST", `/notebooks/${notebookId}/kernel/interrupt`),
  restart: (notebookId: string, runAll = false) =>
    request<unknown>("POST", `/notebooks/${notebookId}/kernel/restart`, runAll ? { runAll } : {}),
};

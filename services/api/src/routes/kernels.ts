import { createRoute, z } from "@hono/zod-openapi";
import type { Db } from "@tandem/db";
import type { KernelInfo, KernelOwner, Kernels } from "@tandem/kernels";
import { editsSomeProject, notebookRole, roleAtLeast } from "@tandem/projects";
import {
  CreateSessionBody,
  ErrorCode,
  JupyterKernel,
  JupyterSession,
  Kernelspecs,
  type Role,
  StartKernelBody,
  UpdateSessionBody,
} from "@tandem/protocol";
import type { Identity } from "../auth/identity.ts";
import { type ApiDeps, requireIdentity, router } from "../context.ts";
import { ApiError, forbidden, notFound } from "../errors.ts";
import { errorResponses, json, noContent, secured } from "../openapi.ts";

const tags = ["jupyter"];
const KernelIdParam = z.object({ id: z.string() });

const listSpecs = createRoute({
  method: "get",
  path: "/kernelspecs",
  tags,
  summary: "Kernelspecs (Jupyter Server API)",
  security: secured,
  responses: { 200: json(Kernelspecs, "Kernelspecs"), ...errorResponses },
});
const listKernels = createRoute({
  method: "get",
  path: "/kernels",
  tags,
  summary: "Running kernels you can reach (Jupyter Server API)",
  security: secured,
  responses: { 200: json(z.array(JupyterKernel), "Kernels"), ...errorResponses },
});
const startKernel = createRoute({
  method: "post",
  path: "/kernels",
  tags,
  summary: "Start a kernel (Jupyter Server API)",
  security: secured,
  responses: { 201: json(JupyterKernel, "Started"), ...errorResponses },
});
const getKernel = createRoute({
  method: "get",
  path: "/kernels/{id}",
  tags,
  summary: "One kernel (Jupyter Server API)",
  security: secured,
  request: { params: KernelIdParam },
  responses: { 200: json(JupyterKernel, "The kernel"), ...errorResponses },
});
const deleteKernel = createRoute({
  method: "delete",
  path: "/kernels/{id}",
  tags,
  summary: "Shut a kernel down (Jupyter Server API)",
  security: secured,
  request: { params: KernelIdParam },
  responses: { 204: noContent, ...errorResponses },
});
const interruptKernel = createRoute({
  method: "post",
  path: "/kernels/{id}/interrupt",
  tags,
  summary: "Interrupt a kernel (Jupyter Server API)",
  security: secured,
  request: { params: KernelIdParam },
  responses: { 204: noContent, ...errorResponses },
});
const restartKernel = createRoute({
  method: "post",
  path: "/kernels/{id}/restart",
  tags,
  summary: "Restart a kernel (Jupyter Server API)",
  security: secured,
  request: { params: KernelIdParam },
  responses: { 200: json(JupyterKernel, "Restarted"), ...errorResponses },
});
const listSessions = createRoute({
  method: "get",
  path: "/sessions",
  tags,
  summary: "Sessions (Jupyter Server API)",
  security: secured,
  responses: { 200: json(z.array(JupyterSession), "Sessions"), ...errorResponses },
});
const createSession = createRoute({
  method: "post",
  path: "/sessions",
  tags,
  summary: "Create a session, starting its kernel (Jupyter Server API)",
  security: secured,
  responses: { 201: json(JupyterSession, "Created"), ...errorResponses },
});
const getSession = createRoute({
  method: "get",
  path: "/sessions/{id}",
  tags,
  summary: "One session (Jupyter Server API)",
  security: secured,
  request: { params: KernelIdParam },
  responses: { 200: json(JupyterSession, "The session"), ...errorResponses },
});
const patchSession = createRoute({
  method: "patch",
  path: "/sessions/{id}",
  tags,
  summary: "Rename a session or change its kernel (Jupyter Server API)",
  security: secured,
  request: { params: KernelIdParam },
  responses: { 200: json(JupyterSession, "Updated"), ...errorResponses },
});
const deleteSession = createRoute({
  method: "delete",
  path: "/sessions/{id}",
  tags,
  summary: "Delete a session and shut its kernel down (Jupyter Server API)",
  security: secured,
  request: { params: KernelIdParam },
  responses: { 204: noContent, ...errorResponses },
});

/** The caller's rights on a kernel: a notebook's kernel by the notebook's role, another by ownership. */
export async function kernelRole(db: Db, who: Identity, k: KernelInfo): Promise<Role | null> {
  if (who.projectScope && k.projectId !== who.projectScope) return null;
  if (k.notebookId) return notebookRole(db, who, k.notebookId);
  if (who.user.isAdmin || k.ownerId === who.user.id) return "owner";
  return null;
}

/**
 * A kernel outside any notebook runs arbitrary code: only people who may run code somewhere
 * (editors of some project, or of the project their token is scoped to) may start one.
 */
async function requireCanRunCode(db: Db, who: Identity) {
  if (!(await editsSomeProject(db, who))) throw forbidden("Starting a kernel needs the editor role in a project");
}

const toModel = (k: KernelInfo): JupyterKernel => ({
  id: k.id,
  name: k.name,
  last_activity: k.last_activity,
  execution_state: k.execution_state,
  connections: k.connections,
});

export const ownerOf = (who: Identity): KernelOwner => ({
  user: { id: who.user.id, email: who.user.email, name: who.user.name },
  projectId: who.projectScope ?? undefined,
});

/** Reads through Hono's request, which caches the body the JSON depth check already read. */
async function parseBody<T extends z.ZodType>(req: { text(): Promise<string> }, schema: T): Promise<z.infer<T>> {
  const text = await req.text();
  if (!text.trim()) return schema.parse({});
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw new ApiError(400, ErrorCode.invalidJson, "The request body is not valid JSON");
  }
  const parsed = schema.safeParse(value);
  if (!parsed.success) throw parsed.error;
  return parsed.data;
}

export function kernelRoutes({ db, kernels }: ApiDeps & { kernels: Kernels }) {
  async function reach(who: Identity, id: string, needed: Role): Promise<KernelInfo> {
    const k = kernels.get(id);
    const role = k ? await kernelRole(db, who, k) : null;
    if (!k || !role) throw notFound("Kernel");
    if (!roleAtLeast(role, needed)) throw forbidden(`This needs the ${needed} role on the kernel's notebook`);
    return k;
  }

  const sessionModel = (s: ReturnType<Kernels["sessions"]["list"]>[number]) => {
    const k = kernels.get(s.kernelId);
    return {
      id: s.id,
      path: s.path,
      name: s.name,
      type: s.type,
      kernel: k ? toModel(k) : null,
      notebook: { path: s.path, name: s.name },
    };
  };

  const mySession = (who: Identity, id: string) => {
    const s = kernels.sessions.get(id);
    if (!s || (s.userId !== who.user.id && !who.user.isAdmin)) throw notFound("Session");
    return s;
  };

  return router()
    .openapi(listSpecs, async (c) => {
      requireIdentity(c);
      const specs = await kernels.kernelspecs.list();
      const def = await kernels.kernelspecs.default();
      return c.json(
        {
          default: def?.name ?? "",
          kernelspecs: Object.fromEntries(
            specs.map((s) => [
              s.name,
              {
                name: s.name,
                spec: {
                  argv: s.argv,
                  display_name: s.display_name,
                  language: s.language,
                  interrupt_mode: s.interrupt_mode,
                  env: s.env,
                  metadata: s.metadata,
                },
                resources: {},
              },
            ]),
          ),
        },
        200,
      );
    })
    .openapi(listKernels, async (c) => {
      const who = requireIdentity(c);
      const visible: JupyterKernel[] = [];
      for (const k of kernels.list()) if (await kernelRole(db, who, k)) visible.push(toModel(k));
      return c.json(visible, 200);
    })
    .openapi(startKernel, async (c) => {
      const who = requireIdentity(c);
      const body = await parseBody(c.req, StartKernelBody);
      await requireCanRunCode(db, who);
      const k = await kernels.start(body.name || undefined, ownerOf(who));
      c.header("Location", `/api/kernels/${k.id}`);
      return c.json(toModel(k), 201);
    })
    .openapi(getKernel, async (c) => {
      const k = await reach(requireIdentity(c), c.req.valid("param").id, "viewer");
      return c.json(toModel(k), 200);
    })
    .openapi(deleteKernel, async (c) => {
      const k = await reach(requireIdentity(c), c.req.valid("param").id, "editor");
      await kernels.shutdown(k.id);
      return c.body(null, 204);
    })
    .openapi(interruptKernel, async (c) => {
      const k = await reach(requireIdentity(c), c.req.valid("param").id, "editor");
      await kernels.interrupt(k.id);
      return c.body(null, 204);
    })
    .openapi(restartKernel, async (c) => {
      const k = await reach(requireIdentity(c), c.req.valid("param").id, "editor");
      const restarted = await kernels.restart(k.id);
      return c.json(toModel(restarted), 200);
    })
    .openapi(listSessions, async (c) => {
      const who = requireIdentity(c);
      const mine = kernels.sessions.list().filter((s) => s.userId === who.user.id || who.user.isAdmin);
      return c.json(mine.map(sessionModel), 200);
    })
    .openapi(createSession, async (c) => {
      const who = requireIdentity(c);
      const body = await parseBody(c.req, CreateSessionBody);
      const path = body.path ?? body.notebook?.path ?? "";
      const name = body.name ?? body.notebook?.name ?? "";
      const type = body.type ?? "notebook";
      const existing = path ? kernels.sessions.findByPath(who.user.id, path) : undefined;
      if (existing && kernels.get(existing.kernelId)) return c.json(sessionModel(existing), 201);
      let kernelId = body.kernel?.id;
      if (kernelId) await reach(who, kernelId, "editor");
      else {
        await requireCanRunCode(db, who);
        const k = await kernels.start(body.kernel?.name || undefined, ownerOf(who));
        kernelId = k.id;
      }
      const s = kernels.sessions.create({ path, name, type, kernelId, userId: who.user.id });
      return c.json(sessionModel(s), 201);
    })
    .openapi(getSession, async (c) => {
      const s = mySession(requireIdentity(c), c.req.valid("param").id);
      return c.json(sessionModel(s), 200);
    })
    .openapi(patchSession, async (c) => {
      const who = requireIdentity(c);
      const s = mySession(who, c.req.valid("param").id);
      const body = await parseBody(c.req, UpdateSessionBody);
      let kernelId: string | undefined;
      if (body.kernel?.id) kernelId = (await reach(who, body.kernel.id, "editor")).id;
      else if (body.kernel?.name) {
        await requireCanRunCode(db, who);
        const k = await kernels.start(body.kernel.name, ownerOf(who));
        kernelId = k.id;
      }
      const previous = s.kernelId;
      const updated = kernels.sessions.update(s.id, {
        path: body.path ?? body.notebook?.path,
        name: body.name ?? body.notebook?.name,
        type: body.type,
        kernelId,
      })!;
      // Jupyter shuts the replaced kernel down.
      if (kernelId && kernelId !== previous) await kernels.shutdown(previous);
      return c.json(sessionModel(updated), 200);
    })
    .openapi(deleteSession, async (c) => {
      const s = mySession(requireIdentity(c), c.req.valid("param").id);
      kernels.sessions.delete(s.id);
      const k = kernels.get(s.kernelId);
      if (k && !k.notebookId) await kernels.shutdown(s.kernelId);
      return c.body(null, 204);
    });
}

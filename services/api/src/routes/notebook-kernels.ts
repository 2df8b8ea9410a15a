import { createRoute } from "@hono/zod-openapi";
import type { KernelOwner, Kernels } from "@tandem/kernels";
import { requireNotebook } from "@tandem/projects";
import {
  CompleteBody,
  CompleteReply,
  ExecuteAccepted,
  ExecuteBody,
  IdParam,
  InputReplyBody,
  InspectBody,
  InspectReply,
  NotebookKernelState,
  RestartNotebookKernelBody,
  StartNotebookKernelBody,
  SwitchNotebookKernelBody,
} from "@tandem/protocol";
import type { Identity } from "../auth/identity.ts";
import { type ApiDeps, requireIdentity, router } from "../context.ts";
import { ApiError, badRequest } from "../errors.ts";
import { errorResponses, json, jsonBody, noContent, secured } from "../openapi.ts";

const tags = ["kernels"];
const conflictResponse = { 409: { description: "The notebook's kernel is dead or absent" } } as const;

const getState = createRoute({
  method: "get",
  path: "/notebooks/{id}/kernel",
  tags,
  summary: "The notebook's kernel and its queue",
  security: secured,
  request: { params: IdParam },
  responses: { 200: json(NotebookKernelState, "State"), ...errorResponses },
});
const start = createRoute({
  method: "post",
  path: "/notebooks/{id}/kernel",
  tags,
  summary: "Start the notebook's kernel (editor); answers with the running one if there is one",
  security: secured,
  request: { params: IdParam, ...jsonBody(StartNotebookKernelBody) },
  responses: { 201: json(NotebookKernelState, "Started"), ...errorResponses },
});
const switchKernel = createRoute({
  method: "put",
  path: "/notebooks/{id}/kernel",
  tags,
  summary:
    "Move the notebook to a kernel of another kernelspec or environment (editor); the old kernel and its state go, the queue stops",
  security: secured,
  request: { params: IdParam, ...jsonBody(SwitchNotebookKernelBody) },
  responses: { 200: json(NotebookKernelState, "Switched"), ...errorResponses },
});
const shutdown = createRoute({
  method: "delete",
  path: "/notebooks/{id}/kernel",
  tags,
  summary: "Shut the notebook's kernel down (editor)",
  security: secured,
  request: { params: IdParam },
  responses: { 204: noContent, ...errorResponses },
});
const interrupt = createRoute({
  method: "post",
  path: "/notebooks/{id}/kernel/interrupt",
  tags,
  summary: "Interrupt the running cell and drop the queue (editor)",
  security: secured,
  request: { params: IdParam },
  responses: { 204: noContent, ...errorResponses, ...conflictResponse },
});
const restart = createRoute({
  method: "post",
  path: "/notebooks/{id}/kernel/restart",
  tags,
  summary: "Restart the notebook's kernel, dead or alive; optionally run all cells after (editor)",
  security: secured,
  request: { params: IdParam, ...jsonBody(RestartNotebookKernelBody) },
  responses: { 200: json(NotebookKernelState, "Restarted"), ...errorResponses, ...conflictResponse },
});
const execute = createRoute({
  method: "post",
  path: "/notebooks/{id}/execute",
  tags,
  summary: "Queue cells to run; their outputs arrive in the shared document (editor)",
  security: secured,
  request: { params: IdParam, ...jsonBody(ExecuteBody) },
  responses: { 202: json(ExecuteAccepted, "Queued"), ...errorResponses, ...conflictResponse },
});
const input = createRoute({
  method: "post",
  path: "/notebooks/{id}/input",
  tags,
  summary: "Answer the running cell's input() prompt (the person who ran it)",
  security: secured,
  request: { params: IdParam, ...jsonBody(InputReplyBody) },
  responses: { 204: noContent, ...errorResponses, ...conflictResponse },
});

const complete = createRoute({
  method: "post",
  path: "/notebooks/{id}/complete",
  tags,
  summary: "Tab completion from the notebook's kernel (editor); answers at once, empty, while a cell runs",
  security: secured,
  request: { params: IdParam, ...jsonBody(CompleteBody) },
  responses: { 200: json(CompleteReply, "Completions"), ...errorResponses, ...conflictResponse },
});
const inspect = createRoute({
  method: "post",
  path: "/notebooks/{id}/inspect",
  tags,
  summary: "Signature and docstring of the name at the cursor, from the notebook's kernel (editor)",
  security: secured,
  request: { params: IdParam, ...jsonBody(InspectBody) },
  responses: { 200: json(InspectReply, "Help"), ...errorResponses, ...conflictResponse },
});

/** The cursor must fall inside the code (positions are code points, as in Jupyter). */
function checkCursor(code: string, cursorPos: number) {
  const length = [...code].length;
  if (cursorPos > length) throw badRequest(`cursorPos ${cursorPos} is past the end of the code (${length} characters)`);
}

function owner(who: Identity, notebook: { id: string; projectId: string }): KernelOwner {
  return {
    user: { id: who.user.id, email: who.user.email, name: who.user.name },
    notebookId: notebook.id,
    projectId: notebook.projectId,
  };
}

/** A notebook's own kernel: execution into the shared document, and its lifecycle. */
export function notebookKernelRoutes({ db, kernels }: ApiDeps & { kernels: Kernels }) {
  return router()
    .openapi(getState, async (c) => {
      const { notebook } = await requireNotebook(db, requireIdentity(c), c.req.valid("param").id, "viewer");
      return c.json(kernels.notebooks.status(notebook.id), 200);
    })
    .openapi(start, async (c) => {
      const who = requireIdentity(c);
      const { notebook } = await requireNotebook(db, who, c.req.valid("param").id, "editor");
      await kernels.notebooks.start(notebook.id, owner(who, notebook), c.req.valid("json").kernelspec);
      return c.json(kernels.notebooks.status(notebook.id), 201);
    })
    .openapi(switchKernel, async (c) => {
      const who = requireIdentity(c);
      const { notebook } = await requireNotebook(db, who, c.req.valid("param").id, "editor");
      await kernels.notebooks.switchKernel(notebook.id, owner(who, notebook), c.req.valid("json").kernelspec);
      return c.json(kernels.notebooks.status(notebook.id), 200);
    })
    .openapi(shutdown, async (c) => {
      const { notebook } = await requireNotebook(db, requireIdentity(c), c.req.valid("param").id, "editor");
      if (!(await kernels.notebooks.shutdown(notebook.id)))
        throw new ApiError(409, "conflict", "The notebook has no kernel");
      return c.body(null, 204);
    })
    .openapi(interrupt, async (c) => {
      const { notebook } = await requireNotebook(db, requireIdentity(c), c.req.valid("param").id, "editor");
      await kernels.notebooks.interrupt(notebook.id);
      return c.body(null, 204);
    })
    .openapi(restart, async (c) => {
      const who = requireIdentity(c);
      const { notebook } = await requireNotebook(db, who, c.req.valid("param").id, "editor");
      await kernels.notebooks.restart(notebook.id, owner(who, notebook), c.req.valid("json").runAll);
      return c.json(kernels.notebooks.status(notebook.id), 200);
    })
    .openapi(execute, async (c) => {
      const who = requireIdentity(c);
      const { notebook } = await requireNotebook(db, who, c.req.valid("param").id, "editor");
      const queued = await kernels.notebooks.execute(notebook.id, owner(who, notebook), c.req.valid("json"));
      return c.json({ ...kernels.notebooks.status(notebook.id), cells: queued.map((q) => q.cellId) }, 202);
    })
    .openapi(input, async (c) => {
      const who = requireIdentity(c);
      const { notebook } = await requireNotebook(db, who, c.req.valid("param").id, "editor");
      const answered = await kernels.notebooks.answerInput(notebook.id, who.user.id, c.req.valid("json").value);
      if (!answered) throw new ApiError(409, "conflict", "No input() is waiting in this notebook");
      return c.body(null, 204);
    })
    .openapi(complete, async (c) => {
      const { notebook } = await requireNotebook(db, requireIdentity(c), c.req.valid("param").id, "editor");
      const { code, cursorPos } = c.req.valid("json");
      checkCursor(code, cursorPos);
      const reply = await kernels.notebooks.complete(notebook.id, code, cursorPos);
      if (!reply) throw new ApiError(409, "conflict", "The notebook has no running kernel: run a cell to start one");
      return c.json(reply, 200);
    })
    .openapi(inspect, async (c) => {
      const { notebook } = await requireNotebook(db, requireIdentity(c), c.req.valid("param").id, "editor");
      const { code, cursorPos, detailLevel } = c.req.valid("json");
      checkCursor(code, cursorPos);
      const reply = await kernels.notebooks.inspect(notebook.id, code, cursorPos, detailLevel ?? 0);
      if (!reply) throw new ApiError(409, "conflict", "The notebook has no running kernel: run a cell to start one");
      return c.json(reply, 200);
    });
}

import { createRoute } from "@hono/zod-openapi";
import { schema } from "@tandem/db";
import { createNotebook as insertNotebook, requireNotebook, requireProject } from "@tandem/projects";
import { CreateNotebookBody, IdParam, Notebook, UpdateNotebookBody } from "@tandem/protocol";
import { and, asc, eq } from "drizzle-orm";
import { z } from "zod";
import { type ApiDeps, requireIdentity, router } from "../context.ts";
import { errorResponses, json, jsonBody, noContent, secured } from "../openapi.ts";

const tags = ["notebooks"];

const listNotebooks = createRoute({
  method: "get",
  path: "/projects/{id}/notebooks",
  tags,
  summary: "Notebooks of a project",
  security: secured,
  request: { params: IdParam },
  responses: { 200: json(z.array(Notebook), "Notebooks"), ...errorResponses },
});
const createNotebook = createRoute({
  method: "post",
  path: "/projects/{id}/notebooks",
  tags,
  summary: "Create an empty notebook (editor)",
  security: secured,
  request: { params: IdParam, ...jsonBody(CreateNotebookBody) },
  responses: { 201: json(Notebook, "Created"), ...errorResponses },
});
const getNotebook = createRoute({
  method: "get",
  path: "/notebooks/{id}",
  tags,
  summary: "One notebook's metadata",
  security: secured,
  request: { params: IdParam },
  responses: { 200: json(Notebook, "The notebook"), ...errorResponses },
});
const updateNotebook = createRoute({
  method: "patch",
  path: "/notebooks/{id}",
  tags,
  summary: "Rename a notebook (editor)",
  security: secured,
  request: { params: IdParam, ...jsonBody(UpdateNotebookBody) },
  responses: { 200: json(Notebook, "Updated"), ...errorResponses },
});
const deleteNotebook = createRoute({
  method: "delete",
  path: "/notebooks/{id}",
  tags,
  summary: "Delete a notebook (editor)",
  security: secured,
  request: { params: IdParam },
  responses: { 204: noContent, ...errorResponses },
});

type NotebookRow = typeof schema.notebooks.$inferSelect;
export const toNotebook = (n: NotebookRow): Notebook => ({
  id: n.id,
  projectId: n.projectId,
  name: n.name,
  kind: n.kind === "run" ? "run" : "notebook",
  createdAt: n.createdAt.toISOString(),
  updatedAt: n.updatedAt.toISOString(),
});

export function notebookRoutes({ db, collab }: ApiDeps) {
  return router()
    .openapi(listNotebooks, async (c) => {
      const { project } = await requireProject(db, requireIdentity(c), c.req.valid("param").id, "viewer");
      const rows = await db
        .select()
        .from(schema.notebooks)
        .where(and(eq(schema.notebooks.projectId, project.id), eq(schema.notebooks.kind, "notebook")))
        .orderBy(asc(schema.notebooks.name));
      return c.json(rows.map(toNotebook), 200);
    })
    .openapi(createNotebook, async (c) => {
      const who = requireIdentity(c);
      const { project } = await requireProject(db, who, c.req.valid("param").id, "editor");
      const row = await insertNotebook(
        db,
        { projectId: project.id, name: c.req.valid("json").name, createdBy: who.user.id },
        (id) => collab.createDocument(id),
      );
      return c.json(toNotebook(row), 201);
    })
    .openapi(getNotebook, async (c) => {
      const { notebook } = await requireNotebook(db, requireIdentity(c), c.req.valid("param").id, "viewer");
      return c.json(toNotebook(notebook), 200);
    })
    .openapi(updateNotebook, async (c) => {
      const { notebook } = await requireNotebook(db, requireIdentity(c), c.req.valid("param").id, "editor");
      const [row] = await db
        .update(schema.notebooks)
        .set({ name: c.req.valid("json").name, updatedAt: new Date() })
        .where(eq(schema.notebooks.id, notebook.id))
        .returning();
      return c.json(toNotebook(row!), 200);
    })
    .openapi(deleteNotebook, async (c) => {
      const { notebook } = await requireNotebook(db, requireIdentity(c), c.req.valid("param").id, "editor");
      await db.delete(schema.notebooks).where(eq(schema.notebooks.id, notebook.id));
      // Its document rows go with it (cascade); its room closes its sockets.
      await collab.dropDocument(notebook.id);
      return c.body(null, 204);
    });
}

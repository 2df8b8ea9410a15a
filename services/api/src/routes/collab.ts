import { createRoute, z } from "@hono/zod-openapi";
import type { schema } from "@tandem/db";
import { createNotebook, requireNotebook, requireProject } from "@tandem/projects";
import {
  CreatedShareLink,
  CreateShareLinkBody,
  CreateVersionBody,
  IdParam,
  ImportNotebookQuery,
  Ipynb,
  Notebook,
  ReplacedDocument,
  ShareLink,
  ShareLinkParams,
  Version,
  VersionParams,
  VersionWithNotebook,
} from "@tandem/protocol";
import { type ApiDeps, requireIdentity, router } from "../context.ts";
import { badRequest, notFound } from "../errors.ts";
import { errorResponses, json, jsonBody, noContent, secured } from "../openapi.ts";
import { toNotebook } from "./notebooks.ts";

const tags = ["notebooks"];

const importNotebook = createRoute({
  method: "post",
  path: "/projects/{id}/notebooks/import",
  tags,
  summary: "Create a notebook from .ipynb JSON (editor)",
  description: "Every cell, id, source, output, attachment and metadata field is kept. nbformat 3 is upgraded.",
  security: secured,
  request: { params: IdParam, query: ImportNotebookQuery, ...jsonBody(Ipynb) },
  responses: { 201: json(Notebook, "Created"), ...errorResponses },
});
const exportNotebook = createRoute({
  method: "get",
  path: "/notebooks/{id}/ipynb",
  tags,
  summary: "The notebook as .ipynb JSON (nbformat 4.5, validated)",
  security: secured,
  request: { params: IdParam },
  responses: { 200: json(Ipynb, "The notebook"), ...errorResponses },
});
const replaceNotebook = createRoute({
  method: "put",
  path: "/notebooks/{id}/ipynb",
  tags,
  summary: "Replace the notebook with .ipynb JSON (editor)",
  description: "Starts a new document epoch: connected clients are told to reload (close code 4409).",
  security: secured,
  request: { params: IdParam, ...jsonBody(Ipynb) },
  responses: { 200: json(ReplacedDocument, "Replaced"), ...errorResponses },
});
const createShareLink = createRoute({
  method: "post",
  path: "/notebooks/{id}/share-links",
  tags: ["share links"],
  summary: "Create a read-only share link (editor)",
  security: secured,
  request: { params: IdParam, ...jsonBody(CreateShareLinkBody) },
  responses: { 201: json(CreatedShareLink, "Created; the token is shown only now"), ...errorResponses },
});
const listShareLinks = createRoute({
  method: "get",
  path: "/notebooks/{id}/share-links",
  tags: ["share links"],
  summary: "Share links of a notebook (editor)",
  security: secured,
  request: { params: IdParam },
  responses: { 200: json(z.array(ShareLink), "Share links"), ...errorResponses },
});
const revokeShareLink = createRoute({
  method: "delete",
  path: "/notebooks/{id}/share-links/{linkId}",
  tags: ["share links"],
  summary: "Revoke a share link (editor); its open connections close at once",
  security: secured,
  request: { params: ShareLinkParams },
  responses: { 204: noContent, ...errorResponses },
});
const createVersion = createRoute({
  method: "post",
  path: "/notebooks/{id}/versions",
  tags: ["versions"],
  summary: "Save a named version of the notebook (editor)",
  security: secured,
  request: { params: IdParam, ...jsonBody(CreateVersionBody) },
  responses: { 201: json(Version, "Saved"), ...errorResponses },
});
const listVersions = createRoute({
  method: "get",
  path: "/notebooks/{id}/versions",
  tags: ["versions"],
  summary: "Named versions of the notebook, newest first",
  security: secured,
  request: { params: IdParam },
  responses: { 200: json(z.array(Version), "Versions"), ...errorResponses },
});
const getVersion = createRoute({
  method: "get",
  path: "/notebooks/{id}/versions/{versionId}",
  tags: ["versions"],
  summary: "One version, with the notebook as it was",
  security: secured,
  request: { params: VersionParams },
  responses: { 200: json(VersionWithNotebook, "The version"), ...errorResponses },
});
const restoreVersion = createRoute({
  method: "post",
  path: "/notebooks/{id}/versions/{versionId}/restore",
  tags: ["versions"],
  summary: "Restore a version (editor): a new epoch; connected clients reload",
  security: secured,
  request: { params: VersionParams },
  responses: { 200: json(ReplacedDocument, "Restored"), ...errorResponses },
});

type ShareLinkRow = typeof schema.shareLinks.$inferSelect;
const toShareLink = (l: ShareLinkRow): ShareLink => ({
  id: l.id,
  notebookId: l.notebookId,
  prefix: l.prefix,
  createdAt: l.createdAt.toISOString(),
  expiresAt: l.expiresAt?.toISOString() ?? null,
  revokedAt: l.revokedAt?.toISOString() ?? null,
});
const toVersion = (v: {
  id: string;
  notebookId: string;
  name: string;
  epoch: number;
  createdBy: string | null;
  createdAt: Date;
}): Version => ({
  ...v,
  createdAt: v.createdAt.toISOString(),
});

export function collabRoutes({ db, collab, accessEvents, clock = () => new Date() }: ApiDeps) {
  return router()
    .openapi(importNotebook, async (c) => {
      const who = requireIdentity(c);
      const { project } = await requireProject(db, who, c.req.valid("param").id, "editor");
      const ipynb = c.req.valid("json");
      const row = await createNotebook(
        db,
        { projectId: project.id, name: c.req.valid("query").name ?? "Imported notebook", createdBy: who.user.id },
        (id) => collab.createDocument(id, ipynb),
      );
      return c.json(toNotebook(row), 201);
    })
    .openapi(exportNotebook, async (c) => {
      const { notebook } = await requireNotebook(db, requireIdentity(c), c.req.valid("param").id, "viewer");
      const nb = await collab.exportNotebook(notebook.id);
      return c.json(nb, 200);
    })
    .openapi(replaceNotebook, async (c) => {
      const { notebook } = await requireNotebook(db, requireIdentity(c), c.req.valid("param").id, "editor");
      const result = await collab.replaceDocument(notebook.id, c.req.valid("json"));
      return c.json(result, 200);
    })
    .openapi(createShareLink, async (c) => {
      const who = requireIdentity(c);
      const { notebook } = await requireNotebook(db, who, c.req.valid("param").id, "editor");
      const { expiresAt } = c.req.valid("json");
      const expiry = expiresAt ? new Date(expiresAt) : null;
      if (expiry && expiry.getTime() <= clock().getTime()) throw badRequest("expiresAt: must be in the future");
      const { link, token } = await collab.shareLinks.create(notebook.id, who.user.id, expiry);
      const url = `${new URL(c.req.url).origin}/s/${encodeURIComponent(token)}`;
      return c.json({ ...toShareLink(link), token, url }, 201);
    })
    .openapi(listShareLinks, async (c) => {
      const { notebook } = await requireNotebook(db, requireIdentity(c), c.req.valid("param").id, "editor");
      return c.json((await collab.shareLinks.list(notebook.id)).map(toShareLink), 200);
    })
    .openapi(revokeShareLink, async (c) => {
      const params = c.req.valid("param");
      const { notebook } = await requireNotebook(db, requireIdentity(c), params.id, "editor");
      if (!(await collab.shareLinks.revoke(notebook.id, params.linkId))) throw notFound("Share link");
      // This server's guests are closed by collab already; other servers' hear of it.
      await accessEvents.emit({ type: "share-link-revoked", shareLinkId: params.linkId, notebookId: notebook.id });
      return c.body(null, 204);
    })
    .openapi(createVersion, async (c) => {
      const who = requireIdentity(c);
      const { notebook } = await requireNotebook(db, who, c.req.valid("param").id, "editor");
      const version = await collab.versions.create(notebook.id, c.req.valid("json").name, who.user.id);
      return c.json(toVersion(version), 201);
    })
    .openapi(listVersions, async (c) => {
      const { notebook } = await requireNotebook(db, requireIdentity(c), c.req.valid("param").id, "viewer");
      return c.json((await collab.versions.list(notebook.id)).map(toVersion), 200);
    })
    .openapi(getVersion, async (c) => {
      const params = c.req.valid("param");
      const { notebook } = await requireNotebook(db, requireIdentity(c), params.id, "viewer");
      const found = await collab.versions.get(notebook.id, params.versionId);
      if (!found) throw notFound("Version");
      return c.json({ version: toVersion(found.version), notebook: found.notebook }, 200);
    })
    .openapi(restoreVersion, async (c) => {
      const params = c.req.valid("param");
      const { notebook } = await requireNotebook(db, requireIdentity(c), params.id, "editor");
      const result = await collab.versions.restore(notebook.id, params.versionId);
      if (!result) throw notFound("Version");
      return c.json(result, 200);
    });
}

import { createRoute } from "@hono/zod-openapi";
import { schema } from "@tandem/db";
import { createProject as insertProject, requireProject } from "@tandem/projects";
import {
  AddMemberBody,
  CreateProjectBody,
  Id,
  IdParam,
  Member,
  Project,
  type Role,
  UpdateMemberBody,
  UpdateProjectBody,
} from "@tandem/protocol";
import { and, asc, count, eq } from "drizzle-orm";
import { z } from "zod";
import { type ApiDeps, requireIdentity, router } from "../context.ts";
import { conflict, forbidden, notFound } from "../errors.ts";
import { errorResponses, json, jsonBody, noContent, secured } from "../openapi.ts";
import { findUserByEmail } from "../users.ts";

const tags = ["projects"];
const MemberParam = z.object({ id: Id, userId: Id });

const listProjects = createRoute({
  method: "get",
  path: "/projects",
  tags,
  summary: "Projects you are a member of",
  security: secured,
  responses: { 200: json(z.array(Project), "Projects"), 401: errorResponses[401] },
});
const createProject = createRoute({
  method: "post",
  path: "/projects",
  tags,
  summary: "Create a project; you become its owner",
  security: secured,
  request: jsonBody(CreateProjectBody),
  responses: {
    201: json(Project, "Created"),
    400: errorResponses[400],
    401: errorResponses[401],
    403: errorResponses[403],
  },
});
const getProject = createRoute({
  method: "get",
  path: "/projects/{id}",
  tags,
  summary: "One project",
  security: secured,
  request: { params: IdParam },
  responses: { 200: json(Project, "The project"), ...errorResponses },
});
const updateProject = createRoute({
  method: "patch",
  path: "/projects/{id}",
  tags,
  summary: "Rename a project (editor or owner)",
  security: secured,
  request: { params: IdParam, ...jsonBody(UpdateProjectBody) },
  responses: { 200: json(Project, "Updated"), ...errorResponses },
});
const deleteProject = createRoute({
  method: "delete",
  path: "/projects/{id}",
  tags,
  summary: "Delete a project and everything in it (owner)",
  security: secured,
  request: { params: IdParam },
  responses: { 204: noContent, ...errorResponses },
});
const listMembers = createRoute({
  method: "get",
  path: "/projects/{id}/members",
  tags,
  summary: "Members and their roles",
  security: secured,
  request: { params: IdParam },
  responses: { 200: json(z.array(Member), "Members"), ...errorResponses },
});
const addMember = createRoute({
  method: "post",
  path: "/projects/{id}/members",
  tags,
  summary: "Add someone (by the email of their account) with a role (owner)",
  security: secured,
  request: { params: IdParam, ...jsonBody(AddMemberBody) },
  responses: { 201: json(Member, "Added"), ...errorResponses, 409: errorResponses[400] },
});
const updateMember = createRoute({
  method: "patch",
  path: "/projects/{id}/members/{userId}",
  tags,
  summary: "Change a member's role (owner)",
  security: secured,
  request: { params: MemberParam, ...jsonBody(UpdateMemberBody) },
  responses: { 200: json(Member, "Updated"), ...errorResponses, 409: errorResponses[400] },
});
const removeMember = createRoute({
  method: "delete",
  path: "/projects/{id}/members/{userId}",
  tags,
  summary: "Remove a member (owner; anyone may remove themselves)",
  security: secured,
  request: { params: MemberParam },
  responses: { 204: noContent, ...errorResponses, 409: errorResponses[400] },
});

type ProjectRow = typeof schema.projects.$inferSelect;
const toProject = (p: ProjectRow, role: Role): Project => ({
  id: p.id,
  name: p.name,
  role,
  createdAt: p.createdAt.toISOString(),
});

export function projectRoutes({ db, accessEvents }: ApiDeps) {
  const m = schema.projectMembers;

  async function members(projectId: string, userId?: string): Promise<Member[]> {
    return db
      .select({ userId: schema.users.id, email: schema.users.email, name: schema.users.name, role: m.role })
      .from(m)
      .innerJoin(schema.users, eq(schema.users.id, m.userId))
      .where(userId ? and(eq(m.projectId, projectId), eq(m.userId, userId)) : eq(m.projectId, projectId))
      .orderBy(asc(schema.users.email));
  }

  /** A project always keeps at least one owner. */
  async function assertNotLastOwner(projectId: string, userId: string) {
    const [target] = await members(projectId, userId);
    if (target?.role !== "owner") return;
    const [{ owners }] = (await db
      .select({ owners: count() })
      .from(m)
      .where(and(eq(m.projectId, projectId), eq(m.role, "owner")))) as [{ owners: number }];
    if (Number(owners) <= 1) throw conflict("A project needs at least one owner");
  }

  return router()
    .openapi(listProjects, async (c) => {
      const who = requireIdentity(c);
      if (who.user.isAdmin && !who.projectScope) {
        const rows = await db.select().from(schema.projects).orderBy(asc(schema.projects.name));
        return c.json(
          rows.map((p) => toProject(p, "owner")),
          200,
        );
      }
      const rows = await db
        .select({ p: schema.projects, role: m.role })
        .from(m)
        .innerJoin(schema.projects, eq(schema.projects.id, m.projectId))
        .where(eq(m.userId, who.user.id))
        .orderBy(asc(schema.projects.name));
      return c.json(
        rows.filter((r) => !who.projectScope || r.p.id === who.projectScope).map((r) => toProject(r.p, r.role)),
        200,
      );
    })
    .openapi(createProject, async (c) => {
      const who = requireIdentity(c);
      if (who.projectScope) throw forbidden("A project-scoped token cannot create projects");
      const { name } = c.req.valid("json");
      const project = await insertProject(db, name, who.user.id);
      return c.json(toProject(project, "owner"), 201);
    })
    .openapi(getProject, async (c) => {
      const { project, role } = await requireProject(db, requireIdentity(c), c.req.valid("param").id, "viewer");
      return c.json(toProject(project, role), 200);
    })
    .openapi(updateProject, async (c) => {
      const { project, role } = await requireProject(db, requireIdentity(c), c.req.valid("param").id, "editor");
      const [row] = await db
        .update(schema.projects)
        .set({ name: c.req.valid("json").name })
        .where(eq(schema.projects.id, project.id))
        .returning();
      return c.json(toProject(row!, role), 200);
    })
    .openapi(deleteProject, async (c) => {
      const { project } = await requireProject(db, requireIdentity(c), c.req.valid("param").id, "owner");
      const before = await members(project.id);
      await db.delete(schema.projects).where(eq(schema.projects.id, project.id));
      for (const member of before) {
        await accessEvents.emit({ type: "membership-changed", projectId: project.id, userId: member.userId });
      }
      return c.body(null, 204);
    })
    .openapi(listMembers, async (c) => {
      const { project } = await requireProject(db, requireIdentity(c), c.req.valid("param").id, "viewer");
      return c.json(await members(project.id), 200);
    })
    .openapi(addMember, async (c) => {
      const { project } = await requireProject(db, requireIdentity(c), c.req.valid("param").id, "owner");
      const body = c.req.valid("json");
      const user = await findUserByEmail(db, body.email);
      if (!user) throw notFound(`User ${body.email}`);
      const inserted = await db
        .insert(m)
        .values({ projectId: project.id, userId: user.id, role: body.role })
        .onConflictDoNothing()
        .returning();
      if (!inserted.length) throw conflict(`${body.email} is already a member; change their role instead`);
      const [member] = await members(project.id, user.id);
      return c.json(member!, 201);
    })
    .openapi(updateMember, async (c) => {
      const { id, userId } = c.req.valid("param");
      const { project } = await requireProject(db, requireIdentity(c), id, "owner");
      const { role } = c.req.valid("json");
      if (role !== "owner") await assertNotLastOwner(project.id, userId);
      const rows = await db
        .update(m)
        .set({ role })
        .where(and(eq(m.projectId, project.id), eq(m.userId, userId)))
        .returning();
      if (!rows.length) throw notFound("Member");
      await accessEvents.emit({ type: "membership-changed", projectId: project.id, userId });
      const [member] = await members(project.id, userId);
      return c.json(member!, 200);
    })
    .openapi(removeMember, async (c) => {
      const who = requireIdentity(c);
      const { id, userId } = c.req.valid("param");
      const { project } = await requireProject(db, who, id, userId === who.user.id ? "viewer" : "owner");
      await assertNotLastOwner(project.id, userId);
      const rows = await db
        .delete(m)
        .where(and(eq(m.projectId, project.id), eq(m.userId, userId)))
        .returning();
      if (!rows.length) throw notFound("Member");
      await accessEvents.emit({ type: "membership-changed", projectId: project.id, userId });
      return c.body(null, 204);
    });
}

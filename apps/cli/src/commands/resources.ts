import type { ApiToken, CreatedToken, Member, Notebook, Project } from "@tandem/protocol";
import { type Command, group, need } from "../command.ts";
import { print } from "../output.ts";
import { notebookIo } from "./notebook-io.ts";

const PROJECT_COLS = ["id", "name", "role", "createdAt"];
const NOTEBOOK_COLS = ["id", "name", "projectId", "updatedAt"];
const MEMBER_COLS = ["userId", "email", "name", "role"];
const TOKEN_COLS = ["id", "name", "prefix", "projectId", "expiresAt", "lastUsedAt"];

export const projects = group("projects", {
  list: {
    usage: "projects list",
    async run(ctx) {
      print(await (await ctx.client()).get<Project[]>("/api/projects"), ctx.json, PROJECT_COLS);
      return 0;
    },
  },
  create: {
    usage: "projects create NAME",
    async run(ctx) {
      const [name] = need(ctx.args, 1, this.usage);
      print(await (await ctx.client()).post<Project>("/api/projects", { name }), ctx.json, PROJECT_COLS);
      return 0;
    },
  },
  get: {
    usage: "projects get PROJECT_ID",
    async run(ctx) {
      const [id] = need(ctx.args, 1, this.usage);
      print(await (await ctx.client()).get<Project>(`/api/projects/${id}`), ctx.json, PROJECT_COLS);
      return 0;
    },
  },
  rename: {
    usage: "projects rename PROJECT_ID NAME",
    async run(ctx) {
      const [id, name] = need(ctx.args, 2, this.usage);
      print(await (await ctx.client()).patch<Project>(`/api/projects/${id}`, { name }), ctx.json, PROJECT_COLS);
      return 0;
    },
  },
  delete: {
    usage: "projects delete PROJECT_ID",
    async run(ctx) {
      const [id] = need(ctx.args, 1, this.usage);
      await (await ctx.client()).delete(`/api/projects/${id}`);
      return 0;
    },
  },
});

export const members = group("members", {
  list: {
    usage: "members list PROJECT_ID",
    async run(ctx) {
      const [id] = need(ctx.args, 1, this.usage);
      print(await (await ctx.client()).get<Member[]>(`/api/projects/${id}/members`), ctx.json, MEMBER_COLS);
      return 0;
    },
  },
  add: {
    usage: "members add PROJECT_ID EMAIL ROLE",
    async run(ctx) {
      const [id, email, role] = need(ctx.args, 3, this.usage);
      const member = await (await ctx.client()).post<Member>(`/api/projects/${id}/members`, { email, role });
      print(member, ctx.json, MEMBER_COLS);
      return 0;
    },
  },
  "set-role": {
    usage: "members set-role PROJECT_ID USER_ID ROLE",
    async run(ctx) {
      const [id, userId, role] = need(ctx.args, 3, this.usage);
      const member = await (await ctx.client()).patch<Member>(`/api/projects/${id}/members/${userId}`, { role });
      print(member, ctx.json, MEMBER_COLS);
      return 0;
    },
  },
  remove: {
    usage: "members remove PROJECT_ID USER_ID",
    async run(ctx) {
      const [id, userId] = need(ctx.args, 2, this.usage);
      await (await ctx.client()).delete(`/api/projects/${id}/members/${userId}`);
      return 0;
    },
  },
});

export const notebooks = group("notebooks", {
  list: {
    usage: "notebooks list PROJECT_ID",
    async run(ctx) {
      const [id] = need(ctx.args, 1, this.usage);
      print(await (await ctx.client()).get<Notebook[]>(`/api/projects/${id}/notebooks`), ctx.json, NOTEBOOK_COLS);
      return 0;
    },
  },
  create: {
    usage: "notebooks create PROJECT_ID NAME",
    async run(ctx) {
      const [id, name] = need(ctx.args, 2, this.usage);
      const nb = await (await ctx.client()).post<Notebook>(`/api/projects/${id}/notebooks`, { name });
      print(nb, ctx.json, NOTEBOOK_COLS);
      return 0;
    },
  },
  get: {
    usage: "notebooks get NOTEBOOK_ID",
    async run(ctx) {
      const [id] = need(ctx.args, 1, this.usage);
      print(await (await ctx.client()).get<Notebook>(`/api/notebooks/${id}`), ctx.json, NOTEBOOK_COLS);
      return 0;
    },
  },
  rename: {
    usage: "notebooks rename NOTEBOOK_ID NAME",
    async run(ctx) {
      const [id, name] = need(ctx.args, 2, this.usage);
      print(await (await ctx.client()).patch<Notebook>(`/api/notebooks/${id}`, { name }), ctx.json, NOTEBOOK_COLS);
      return 0;
    },
  },
  delete: {
    usage: "notebooks delete NOTEBOOK_ID",
    async run(ctx) {
      const [id] = need(ctx.args, 1, this.usage);
      await (await ctx.client()).delete(`/api/notebooks/${id}`);
      return 0;
    },
  },
  ...notebookIo,
});

export const tokens = group("tokens", {
  list: {
    usage: "tokens list",
    async run(ctx) {
      print(await (await ctx.client()).get<ApiToken[]>("/api/tokens"), ctx.json, TOKEN_COLS);
      return 0;
    },
  },
  create: {
    usage: "tokens create NAME [--expires ISO_DATE]",
    async run(ctx) {
      const [name] = need(ctx.args, 1, this.usage);
      const body = { name, ...(ctx.flags.expires ? { expiresAt: String(ctx.flags.expires) } : {}) };
      print(await (await ctx.client()).post<CreatedToken>("/api/tokens", body), ctx.json, ["id", "name", "token"]);
      return 0;
    },
  },
  revoke: {
    usage: "tokens revoke TOKEN_ID",
    async run(ctx) {
      const [id] = need(ctx.args, 1, this.usage);
      await (await ctx.client()).delete(`/api/tokens/${id}`);
      return 0;
    },
  },
}) satisfies Command;

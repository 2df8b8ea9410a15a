import type { LoggedModelSummary, ModelVersionSummary, RegisteredModelSummary } from "@tandem/protocol";
import type { TandemClient } from "../client.ts";
import { group, need, UsageError } from "../command.ts";
import { print } from "../output.ts";

type Detail = RegisteredModelSummary & { versions: ModelVersionSummary[] };
interface AliasEvent {
  alias: string;
  fromVersion: number | null;
  toVersion: number | null;
  userEmail: string | null;
  at: number;
}

const m = (name: string) => `/api/models/${encodeURIComponent(name)}`;
const aliasText = (a: Record<string, number>) =>
  Object.entries(a)
    .map(([k, v]) => `${k}=v${v}`)
    .join(",");
const iso = (ms: number) => new Date(ms).toISOString();

const versionRows = (vs: ModelVersionSummary[]) =>
  vs.map((v) => ({
    version: v.version,
    aliases: v.aliases.join(","),
    runId: v.runId ?? "",
    metrics: Object.entries(v.metrics)
      .map(([k, x]) => `${k}=${Number(x.toPrecision(4))}`)
      .join(" "),
    created: iso(v.creationTime),
    id: v.id,
  }));

async function detail(client: TandemClient, name: string) {
  return client.get<Detail>(m(name));
}

export const models = group("models", {
  list: {
    usage: "models list PROJECT_ID",
    async run(ctx) {
      const [projectId] = need(ctx.args, 1, this.usage);
      const found = await (await ctx.client()).get<RegisteredModelSummary[]>(`/api/projects/${projectId}/models`);
      print(
        ctx.json
          ? found
          : found.map((x) => ({
              name: x.name,
              latest: x.latestVersion ?? "",
              aliases: aliasText(x.aliases),
              updated: iso(x.lastUpdatedTime),
            })),
        ctx.json,
      );
      return 0;
    },
  },
  show: {
    usage: "models show NAME",
    async run(ctx) {
      const [name] = need(ctx.args, 1, this.usage);
      const d = await detail(await ctx.client(), name!);
      if (ctx.json) {
        print(d, true);
        return 0;
      }
      process.stdout.write(
        `${d.name}  (${d.id})\nproject:  ${d.projectId}\nlatest:   ${d.latestVersion ?? "-"}\naliases:  ${aliasText(d.aliases) || "-"}\n${d.description ? `${d.description}\n` : ""}`,
      );
      return 0;
    },
  },
  versions: {
    usage: "models versions NAME",
    async run(ctx) {
      const [name] = need(ctx.args, 1, this.usage);
      const d = await detail(await ctx.client(), name!);
      print(ctx.json ? d.versions : versionRows(d.versions), ctx.json);
      return 0;
    },
  },
  register: {
    usage:
      "models register NAME (--run RUN_ID [--path model] | --model-id m-… | --source URI) [--project PROJECT_ID] [--description TEXT]",
    async run(ctx) {
      const [name] = need(ctx.args, 1, this.usage);
      const f = ctx.flags;
      const body: Record<string, string> = {};
      if (typeof f.run === "string") body.runId = f.run;
      if (typeof f.path === "string") body.artifactPath = f.path;
      if (typeof f["model-id"] === "string") body.modelId = f["model-id"];
      if (typeof f.source === "string") body.source = f.source;
      if (typeof f.description === "string") body.description = f.description;
      if (!body.runId && !body.modelId && !body.source) throw new UsageError(`usage: tandem ${this.usage}`);
      const client = await ctx.client();
      // A new name is created in --project first; an existing one takes a new version.
      if (typeof f.project === "string") {
        const exists = await client.get(m(name!)).then(
          () => true,
          () => false,
        );
        if (!exists) await client.post(`/api/projects/${f.project}/models`, { name });
      }
      const v = await client.post<ModelVersionSummary>(`${m(name!)}/versions`, body);
      print(ctx.json ? v : versionRows([v]), ctx.json);
      return 0;
    },
  },
  alias: {
    usage: "models alias NAME ALIAS VERSION | models alias NAME ALIAS --delete",
    async run(ctx) {
      const [name, alias, version] = need(ctx.args, 2, this.usage);
      const client = await ctx.client();
      const path = `${m(name!)}/aliases/${encodeURIComponent(alias!)}`;
      if (ctx.flags.delete) {
        await client.delete(path);
        process.stdout.write(`Removed ${name}@${alias}\n`);
        return 0;
      }
      if (!version || !/^\d+$/.test(version)) throw new UsageError(`usage: tandem ${this.usage}`);
      const updated = await client.put<RegisteredModelSummary>(path, { version: Number(version) });
      if (ctx.json) print(updated, true);
      else process.stdout.write(`${name}@${alias} -> v${version}\n`);
      return 0;
    },
  },
  history: {
    usage: "models history NAME [--alias ALIAS] [--at ISO_TIME]",
    async run(ctx) {
      const [name] = need(ctx.args, 1, this.usage);
      const q = new URLSearchParams();
      if (typeof ctx.flags.alias === "string") q.set("alias", ctx.flags.alias);
      if (typeof ctx.flags.at === "string") q.set("at", ctx.flags.at);
      const h = await (await ctx.client()).get<{ events: AliasEvent[]; aliasesAt: Record<string, number> | null }>(
        `${m(name!)}/alias-history${q.size ? `?${q}` : ""}`,
      );
      if (ctx.json) {
        print(h, true);
        return 0;
      }
      if (h.aliasesAt) {
        process.stdout.write(`at ${ctx.flags.at}: ${aliasText(h.aliasesAt) || "(no aliases)"}\n`);
        return 0;
      }
      print(
        h.events.map((e) => ({
          at: iso(e.at),
          alias: e.alias,
          from: e.fromVersion ?? "",
          to: e.toVersion ?? "(deleted)",
          by: e.userEmail ?? "",
        })),
        false,
      );
      return 0;
    },
  },
  logged: {
    usage: "models logged RUN_ID",
    async run(ctx) {
      const [runId] = need(ctx.args, 1, this.usage);
      const found = await (await ctx.client()).get<LoggedModelSummary[]>(`/api/experiment-runs/${runId}/logged-models`);
      print(
        ctx.json
          ? found
          : found.map((x) => ({
              name: x.name,
              modelId: x.id,
              status: x.status.replace(/^LOGGED_MODEL_/, "").toLowerCase(),
              registered: x.registrations.map((r) => `${r.name} v${r.version}`).join(","),
            })),
        ctx.json,
      );
      return 0;
    },
  },
  delete: {
    usage: "models delete NAME [VERSION]",
    async run(ctx) {
      const [name, version] = need(ctx.args, 1, this.usage);
      const client = await ctx.client();
      await client.delete(version ? `${m(name!)}/versions/${version}` : m(name!));
      process.stdout.write(version ? `Deleted ${name} v${version}\n` : `Deleted ${name}\n`);
      return 0;
    },
  },
});

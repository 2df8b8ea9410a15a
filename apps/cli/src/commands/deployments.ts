import type { Deployment, DeploymentHistoryEntry } from "@tandem/protocol";
import type { TandemClient } from "../client.ts";
import { type Command, group, need, UsageError } from "../command.ts";
import { intFlag, stringFlag } from "../flags.ts";
import { print } from "../output.ts";

const d = (id: string) => `/api/deployments/${encodeURIComponent(id)}`;
const servingText = (x: Deployment) =>
  x.serving.map((s) => `v${s.version}${s.weight < 100 ? ` ${s.weight}%` : ""}`).join(", ");
const rows = (list: Deployment[]) =>
  list.map((x) => ({
    name: x.name,
    status: x.status,
    model: `${x.model}${x.alias ? `@${x.alias}` : `/${x.version}`}`,
    serving: servingText(x),
    replicas: x.replicas,
    id: x.id,
  }));

function show(x: Deployment, json: boolean) {
  if (json) return print(x, true);
  process.stdout.write(
    `${x.name}  (${x.id})\nstatus:   ${x.status}${x.reason ? ` — ${x.reason.split("\n")[0]}` : ""}\n` +
      `model:    ${x.model}${x.alias ? `@${x.alias}` : ` version ${x.version}`}\nserving:  ${servingText(x) || "-"}\n` +
      `replicas: ${x.replicaStates.map((r) => `${r.id} v${r.version} ${r.state}`).join(", ") || "-"}\n` +
      `url:      ${x.url}/invocations\n`,
  );
}

/** Polls until the deployment leaves building/starting; exits non-zero unless it is ready. */
async function waitReady(client: TandemClient, id: string): Promise<Deployment> {
  for (;;) {
    const x = await client.get<Deployment>(d(id));
    if (x.status !== "building" && x.status !== "starting") return x;
    await new Promise((r) => setTimeout(r, 1000));
  }
}

/** `tandem deploy churn@production --name churn-api [--replicas 2]`, or `churn/3` for a pinned version. */
export const deploy: Command = {
  usage: "deploy MODEL[@ALIAS|/VERSION] --name NAME [--project PROJECT_ID] [--replicas N] [--no-wait]",
  async run(ctx) {
    const [target] = need(ctx.args, 1, this.usage);
    const name = stringFlag(ctx.flags, "name");
    if (!name) throw new UsageError(`usage: tandem ${this.usage}`);
    const m = /^([^@/]+)(?:@([\w-]+)|\/(\d+))?$/.exec(target!);
    if (!m) throw new UsageError(`'${target}' is not MODEL, MODEL@ALIAS or MODEL/VERSION`);
    const [, model, alias, version] = m;
    const client = await ctx.client();
    const project =
      stringFlag(ctx.flags, "project") ??
      (await client.get<{ projectId: string }>(`/api/models/${encodeURIComponent(model!)}`)).projectId;
    const body: Record<string, unknown> = { name, model };
    if (alias) body.alias = alias;
    if (version) body.version = Number(version);
    const replicas = intFlag(ctx.flags, "replicas");
    if (replicas !== undefined) body.replicas = replicas;
    const created = await client.post<Deployment>(`/api/projects/${project}/deployments`, body);
    const x = ctx.flags["no-wait"] ? created : await waitReady(client, created.id);
    show(x, ctx.json);
    return x.status === "ready" || ctx.flags["no-wait"] ? 0 : 1;
  },
};

const byId = (usage: string, act: (c: TandemClient, id: string) => Promise<Deployment>): Command => ({
  usage,
  async run(ctx) {
    const [id] = need(ctx.args, 1, this.usage);
    show(await act(await ctx.client(), id!), ctx.json);
    return 0;
  },
});

export const deployments = group("deployments", {
  list: {
    usage: "deployments list PROJECT_ID",
    async run(ctx) {
      const [projectId] = need(ctx.args, 1, this.usage);
      const list = await (await ctx.client()).get<Deployment[]>(`/api/projects/${projectId}/deployments`);
      print(ctx.json ? list : rows(list), ctx.json);
      return 0;
    },
  },
  show: byId("deployments show ID|NAME", (c, id) => c.get<Deployment>(d(id))),
  rollback: byId("deployments rollback ID|NAME", (c, id) => c.post<Deployment>(`${d(id)}/rollback`)),
  stop: byId("deployments stop ID|NAME", (c, id) => c.post<Deployment>(`${d(id)}/stop`)),
  start: byId("deployments start ID|NAME", (c, id) => c.post<Deployment>(`${d(id)}/start`)),
  logs: {
    usage: "deployments logs ID|NAME",
    async run(ctx) {
      const [id] = need(ctx.args, 1, this.usage);
      const res = await (await ctx.client()).raw("GET", `${d(id!)}/logs`);
      process.stdout.write(await res.text());
      return 0;
    },
  },
  history: {
    usage: "deployments history ID|NAME",
    async run(ctx) {
      const [id] = need(ctx.args, 1, this.usage);
      const list = await (await ctx.client()).get<DeploymentHistoryEntry[]>(`${d(id!)}/history`);
      print(
        ctx.json
          ? list
          : list.map((h) => ({ at: h.at, action: h.action, versions: h.versions.join(","), detail: h.detail ?? "" })),
        ctx.json,
      );
      return 0;
    },
  },
  delete: {
    usage: "deployments delete ID|NAME",
    async run(ctx) {
      const [id] = need(ctx.args, 1, this.usage);
      await (await ctx.client()).delete(d(id!));
      return 0;
    },
  },
});

import { readFile, writeFile } from "node:fs/promises";
import type { CreateEnvironmentBody, Environment, GcResult } from "@tandem/protocol";
import type { TandemClient } from "../client.ts";
import { group, need } from "../command.ts";
import { print } from "../output.ts";

const ENV_COLS = ["id", "name", "version", "status", "python", "identity", "sizeBytes"];
const list = (v: unknown) =>
  v === undefined || v === true
    ? []
    : String(v)
        .split(",")
        .map((s) => s.trim())
        .filter(Boolean);

/** Streams the build log to stdout until the build ends. */
async function followLogs(client: TandemClient, id: string): Promise<void> {
  const res = await client.raw("GET", `/api/environments/${id}/logs?follow=true`);
  if (!res.body) return;
  const decoder = new TextDecoder();
  for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>)
    process.stdout.write(decoder.decode(chunk, { stream: true }));
}

async function waitUntilBuilt(client: TandemClient, id: string, quiet: boolean): Promise<Environment> {
  if (!quiet) await followLogs(client, id);
  for (;;) {
    const env = await client.get<Environment>(`/api/environments/${id}`);
    if (env.status === "ready" || env.status === "failed") return env;
    await new Promise((r) => setTimeout(r, 500));
  }
}

function finish(env: Environment, json: boolean): number {
  print(env, json, ENV_COLS);
  if (env.status === "failed") {
    process.stderr.write(`tandem: the build failed: ${env.error}\n`);
    return 1;
  }
  return 0;
}

export const envs = group("envs", {
  list: {
    usage: "envs list",
    async run(ctx) {
      print(await (await ctx.client()).get<Environment[]>("/api/environments"), ctx.json, ENV_COLS);
      return 0;
    },
  },
  create: {
    usage:
      "envs create NAME [REQUIREMENT...] [--python 3.11] [-r requirements.txt] [--pyproject pyproject.toml]\n" +
      "      [--index-url URL] [--extra-index-url URL,...] [--find-links URL,...] [--gpus N] [--cuda 12.4] [--base /path/python] [--snapshot ISO_TIME] [--wait]",
    async run(ctx) {
      const [name, ...requirements] = need(ctx.args, 1, this.usage);
      const f = ctx.flags;
      const body: CreateEnvironmentBody = { name: name!, requirements };
      if (typeof f.python === "string") body.python = f.python;
      if (typeof f.requirements === "string") body.requirementsTxt = await readFile(f.requirements, "utf8");
      if (typeof f.pyproject === "string") body.pyproject = await readFile(f.pyproject, "utf8");
      if (f["index-url"] || f["extra-index-url"] || f["find-links"]) {
        body.indexes = {
          ...(typeof f["index-url"] === "string" ? { url: f["index-url"] } : {}),
          extra: list(f["extra-index-url"]),
          findLinks: list(f["find-links"]),
        };
      }
      if (f.gpus !== undefined || f.cuda !== undefined) {
        body.gpu = {
          count: f.gpus === undefined ? 1 : Number(f.gpus),
          ...(typeof f.cuda === "string" ? { cuda: f.cuda } : {}),
        };
      }
      if (typeof f.base === "string") body.base = { python: f.base };
      if (typeof f.snapshot === "string") body.snapshot = f.snapshot;
      const client = await ctx.client();
      const created = await client.post<Environment>("/api/environments", body);
      if (!f.wait) {
        print(created, ctx.json, ENV_COLS);
        return 0;
      }
      return finish(await waitUntilBuilt(client, created.id, ctx.json), ctx.json);
    },
  },
  show: {
    usage: "envs show ENV_ID",
    async run(ctx) {
      const [id] = need(ctx.args, 1, this.usage);
      const env = await (await ctx.client()).get<Environment>(`/api/environments/${id}`);
      if (ctx.json) {
        print(env, true);
        return 0;
      }
      const lines = [
        `${env.name} v${env.version}  (${env.id})`,
        `status:     ${env.status}${env.error ? `: ${env.error}` : ""}`,
        `identity:   ${env.identity ?? "(not resolved yet)"}`,
        `python:     ${env.python ?? env.spec.python} ${env.platform ?? ""}`,
        `kernelspec: ${env.kernelspec}`,
        `size:       ${env.sizeBytes == null ? "-" : `${(env.sizeBytes / 1e6).toFixed(1)} MB`}`,
        `spec:       ${JSON.stringify(env.spec)}`,
        `packages:   ${env.packages ? env.packages.length : "-"}`,
        ...(env.packages ?? []).map((p) => `  ${p.name}==${p.version}${p.index ? `  (${p.index})` : ""}`),
      ];
      process.stdout.write(`${lines.join("\n")}\n`);
      return 0;
    },
  },
  build: {
    usage: "envs build ENV_ID [--wait]",
    async run(ctx) {
      const [id] = need(ctx.args, 1, this.usage);
      const client = await ctx.client();
      const env = await client.post<Environment>(`/api/environments/${id}/build`);
      if (!ctx.flags.wait) {
        print(env, ctx.json, ENV_COLS);
        return 0;
      }
      return finish(await waitUntilBuilt(client, id, ctx.json), ctx.json);
    },
  },
  logs: {
    usage: "envs logs ENV_ID [--follow]",
    async run(ctx) {
      const [id] = need(ctx.args, 1, this.usage);
      const client = await ctx.client();
      if (ctx.flags.follow) await followLogs(client, id!);
      else process.stdout.write(await (await client.raw("GET", `/api/environments/${id}/logs`)).text());
      return 0;
    },
  },
  export: {
    usage: "envs export ENV_ID [-o requirements.txt]",
    async run(ctx) {
      const [id] = need(ctx.args, 1, this.usage);
      const text = await (await (await ctx.client()).raw("GET", `/api/environments/${id}/requirements.txt`)).text();
      if (typeof ctx.flags.output === "string") await writeFile(ctx.flags.output, text);
      else process.stdout.write(text);
      return 0;
    },
  },
  delete: {
    usage: "envs delete ENV_ID",
    async run(ctx) {
      const [id] = need(ctx.args, 1, this.usage);
      await (await ctx.client()).delete(`/api/environments/${id}`);
      return 0;
    },
  },
  gc: {
    usage: "envs gc",
    async run(ctx) {
      const result = await (await ctx.client()).post<GcResult>("/api/environments/gc");
      if (ctx.json) print(result, true);
      else
        process.stdout.write(
          `removed ${result.removed.length} environment(s), ${(result.freedBytes / 1e6).toFixed(1)} MB\n`,
        );
      return 0;
    },
  },
});

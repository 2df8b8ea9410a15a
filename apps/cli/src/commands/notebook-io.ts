import { readFile, writeFile } from "node:fs/promises";
import { basename } from "node:path";
import type {
  CompleteReply,
  CreatedShareLink,
  InspectReply,
  Notebook,
  NotebookKernelState,
  ShareLink,
} from "@tandem/protocol";
import { type Command, group, need, UsageError } from "../command.ts";
import { print } from "../output.ts";

const NOTEBOOK_COLS = ["id", "name", "projectId", "updatedAt"];
const LINK_COLS = ["id", "prefix", "expiresAt", "revokedAt", "createdAt"];

/** `tandem notebooks import|export|run`: what the web app's import, export and Run all do. */
export const notebookIo: Record<string, Command> = {
  import: {
    usage: "notebooks import PROJECT_ID FILE.ipynb [--name NAME]",
    async run(ctx) {
      const [projectId, file] = need(ctx.args, 2, this.usage);
      let body: unknown;
      try {
        body = JSON.parse(await readFile(file!, "utf8"));
      } catch (err) {
        throw new UsageError(`Cannot read ${file} as JSON: ${(err as Error).message}`);
      }
      const name = String(ctx.flags.name ?? basename(file!).replace(/\.ipynb$/, ""));
      const client = await ctx.client();
      const nb = await client.post<Notebook>(
        `/api/projects/${projectId}/notebooks/import?name=${encodeURIComponent(name)}`,
        body,
      );
      print(nb, ctx.json, NOTEBOOK_COLS);
      return 0;
    },
  },
  export: {
    usage: "notebooks export NOTEBOOK_ID [-o FILE.ipynb]",
    async run(ctx) {
      const [id] = need(ctx.args, 1, this.usage);
      const text = await (await (await ctx.client()).raw("GET", `/api/notebooks/${id}/ipynb`)).text();
      if (typeof ctx.flags.output === "string") await writeFile(ctx.flags.output, text);
      else process.stdout.write(text.endsWith("\n") ? text : `${text}\n`);
      return 0;
    },
  },
  run: {
    usage: "notebooks run NOTEBOOK_ID [CELL_ID...]   (all cells when none is named)",
    async run(ctx) {
      const [id, ...cells] = need(ctx.args, 1, this.usage);
      await (await ctx.client()).post(`/api/notebooks/${id}/execute`, { cells: cells.length ? cells : "all" });
      if (!ctx.json) process.stdout.write("Queued; outputs arrive in the notebook.\n");
      return 0;
    },
  },
  kernel: {
    usage:
      "notebooks kernel NOTEBOOK_ID [--env ENV_ID | --kernelspec NAME]   (show, or move the notebook to another environment; its kernel restarts)",
    async run(ctx) {
      const [id] = need(ctx.args, 1, this.usage);
      const client = await ctx.client();
      const env = typeof ctx.flags.env === "string" ? ctx.flags.env : undefined;
      const spec = typeof ctx.flags.kernelspec === "string" ? ctx.flags.kernelspec : env && `tandem-env-${env}`;
      const state = spec
        ? await client.put<NotebookKernelState>(`/api/notebooks/${id}/kernel`, { kernelspec: spec })
        : await client.get<NotebookKernelState>(`/api/notebooks/${id}/kernel`);
      if (ctx.json) print(state, true, []);
      else
        process.stdout.write(
          state.kernel
            ? `${state.kernel.display_name} (${state.kernel.name}): ${state.kernel.execution_state}${spec ? " — restarted, variables from before are gone" : ""}\n`
            : "No kernel is running.\n",
        );
      return 0;
    },
  },
  complete: {
    usage: "notebooks complete NOTEBOOK_ID CODE   (completions at the end of CODE, from the notebook's kernel)",
    async run(ctx) {
      const [id, code] = need(ctx.args, 2, this.usage);
      const body = { code: code!, cursorPos: [...code!].length };
      const reply = await (await ctx.client()).post<CompleteReply>(`/api/notebooks/${id}/complete`, body);
      if (ctx.json) print(reply, true, []);
      else process.stdout.write(reply.busy ? "The kernel is running a cell.\n" : `${reply.matches.join("\n")}\n`);
      return 0;
    },
  },
  inspect: {
    usage: "notebooks inspect NOTEBOOK_ID CODE   (signature and docstring of the name ending CODE)",
    async run(ctx) {
      const [id, code] = need(ctx.args, 2, this.usage);
      const body = { code: code!, cursorPos: [...code!].length };
      const reply = await (await ctx.client()).post<InspectReply>(`/api/notebooks/${id}/inspect`, body);
      if (ctx.json) print(reply, true, []);
      else
        process.stdout.write(
          reply.found ? `${reply.text}\n` : reply.busy ? "The kernel is running a cell.\n" : "No help found.\n",
        );
      return 0;
    },
  },
};

export const share = group("share", {
  create: {
    usage: "share create NOTEBOOK_ID [--expires ISO_DATE]",
    async run(ctx) {
      const [id] = need(ctx.args, 1, this.usage);
      const body = ctx.flags.expires ? { expiresAt: String(ctx.flags.expires) } : {};
      const link = await (await ctx.client()).post<CreatedShareLink>(`/api/notebooks/${id}/share-links`, body);
      print(link, ctx.json, ["id", "url", "expiresAt"]);
      return 0;
    },
  },
  list: {
    usage: "share list NOTEBOOK_ID",
    async run(ctx) {
      const [id] = need(ctx.args, 1, this.usage);
      print(await (await ctx.client()).get<ShareLink[]>(`/api/notebooks/${id}/share-links`), ctx.json, LINK_COLS);
      return 0;
    },
  },
  revoke: {
    usage: "share revoke NOTEBOOK_ID LINK_ID",
    async run(ctx) {
      const [id, linkId] = need(ctx.args, 2, this.usage);
      await (await ctx.client()).delete(`/api/notebooks/${id}/share-links/${linkId}`);
      return 0;
    },
  },
});

import type { Environment, EnvironmentSpec, LockedPackage } from "@tandem/protocol";
import { requirementLines } from "./builder.ts";
import { kernelspecName } from "./kernelspec.ts";
import {
  isBareName,
  type PipCommand,
  PipCommandError,
  parsePipCommand,
  pipMagicArgs,
  requirementName,
  splitPipCell,
} from "./pip-command.ts";
import type { EnvironmentService } from "./service.ts";

/** What the kernel gateway tells the hook about a cell (structurally its `CellMagic` context). */
export interface PipCellContext {
  code: string;
  /** The kernelspec the notebook's kernel runs (a Tandem environment's carries its id in metadata.tandem). */
  kernelspec: { name: string; metadata: Record<string, unknown> };
  userId: string;
  /** Appends text to the cell's stdout (the build log, what changed). */
  write(text: string): void;
  /** An interrupt: the build under way is cancelled and the environment stays as it was. */
  signal?: AbortSignal;
}

export type PipCellResult =
  | { kind: "pass" }
  | { kind: "done"; rest: string; switchTo?: string; message?: string }
  | { kind: "error"; ename: string; evalue: string };

/** The environment id a Tandem kernelspec carries, or null for any other kernelspec. */
function environmentIdOf(kernelspec: PipCellContext["kernelspec"]): string | null {
  const tandem = kernelspec.metadata.tandem as { environmentId?: unknown } | undefined;
  return typeof tandem?.environmentId === "string" ? tandem.environmentId : null;
}

const pin = (p: LockedPackage) => `${p.name}==${p.version}`;

/** What moved between two locks, in pip's words. */
export function lockChanges(before: LockedPackage[], after: LockedPackage[]): string[] {
  const old = new Map(before.map((p) => [p.name, p.version]));
  const now = new Map(after.map((p) => [p.name, p.version]));
  const lines: string[] = [];
  for (const p of after) {
    const was = old.get(p.name);
    if (was === undefined) lines.push(`added ${p.name} ${p.version}`);
    else if (was !== p.version) lines.push(`changed ${p.name} ${was} -> ${p.version}`);
  }
  for (const p of before) if (!now.has(p.name)) lines.push(`removed ${p.name} ${p.version}`);
  return lines;
}

/**
 * `%pip` in a notebook whose kernel runs a Tandem environment: install and uninstall resolve a
 * new version of the environment's spec (preferring the versions it already has), build it with
 * the log streamed into the cell, and hand the kernel gateway the kernelspec to switch to;
 * freeze and list answer from the lock. Any other kernelspec's pip is left to the kernel.
 */
export class PipMagic {
  constructor(private readonly envs: EnvironmentService) {}

  claims(code: string): boolean {
    return code.split("\n").some((l) => pipMagicArgs(l) !== null);
  }

  async run(ctx: PipCellContext): Promise<PipCellResult> {
    const envId = environmentIdOf(ctx.kernelspec);
    if (!envId) return { kind: "pass" };
    let env = await this.envs.get(envId);
    if (!env?.packages) return { kind: "error", ename: "EnvironmentError", evalue: `The environment ${envId} is gone` };
    let commands: PipCommand[];
    let rest: string;
    try {
      const split = splitPipCell(ctx.code)!;
      commands = split.commands.map((c) => parsePipCommand(c.args, c.line));
      rest = split.rest;
    } catch (err) {
      if (err instanceof PipCommandError) return { kind: "error", ename: "UsageError", evalue: err.message };
      throw err;
    }
    const start = env;
    for (const cmd of commands) {
      if (ctx.signal?.aborted) break;
      if (cmd.action === "freeze") ctx.write(freeze(env));
      else if (cmd.action === "list") ctx.write(list(env));
      else if (cmd.action === "install" || cmd.action === "uninstall") {
        const next = await this.change(env, cmd, ctx);
        if ("ename" in next) return { kind: "error", ...next };
        env = next;
      }
    }
    if (env.id === start.id) return { kind: "done", rest };
    const changes = lockChanges(start.packages ?? [], env.packages ?? []);
    const message = [
      `Environment "${env.name}" v${env.version} (${env.packages?.length ?? 0} packages, identity ${env.identity}):`,
      ...(changes.length ? changes.map((c) => `  ${c}`) : ["  no package changed"]),
      "The kernel restarted in the new environment: variables and imports from before are gone.",
      "",
    ].join("\n");
    return { kind: "done", rest, switchTo: kernelspecName(env.id), message };
  }

  /** One install or uninstall: the next version of the spec, built; the environment unchanged when nothing is asked. */
  private async change(
    env: Environment,
    cmd: Extract<PipCommand, { action: "install" | "uninstall" }>,
    ctx: PipCellContext,
  ): Promise<Environment | { ename: string; evalue: string }> {
    const spec = env.spec;
    const lines = requirementLines({ ...spec, requirementsTxt: spec.requirementsTxt });
    const locked = new Map((env.packages ?? []).map((p) => [p.name, p]));
    let requirements: string[];
    if (cmd.action === "install") {
      const wanted = cmd.requirements.filter((r) => {
        const have = locked.get(requirementName(r) ?? "");
        if (have && isBareName(r) && !cmd.upgrade) {
          ctx.write(`Requirement already satisfied: ${pin(have)} (in ${env.name} v${env.version})\n`);
          return false;
        }
        return true;
      });
      if (!wanted.length && !cmd.indexUrl && !cmd.extraIndexUrls.length && !cmd.findLinks.length) return env;
      const names = new Set(wanted.map(requirementName));
      requirements = [...lines.filter((l) => !names.has(requirementName(l))), ...wanted];
    } else {
      const names = new Set(cmd.names.map(requirementName));
      if (names.has("ipykernel"))
        return { ename: "UninstallError", evalue: "ipykernel runs the notebook's kernel: it cannot be uninstalled" };
      for (const n of names) {
        if (!locked.has(n!)) ctx.write(`WARNING: Skipping ${n} as it is not installed.\n`);
        else if (!lines.some((l) => requirementName(l) === n))
          return {
            ename: "UninstallError",
            evalue: `${n} is not one of ${env.name}'s requirements but a dependency of them: removing it would break them`,
          };
      }
      requirements = lines.filter((l) => !names.has(requirementName(l)));
      if (requirements.length === lines.length) return env;
    }
    const indexes = spec.indexes ?? { extra: [], findLinks: [], noIndex: false };
    const next: EnvironmentSpec = {
      ...spec,
      requirements,
      requirementsTxt: undefined,
      indexes:
        cmd.action === "install"
          ? {
              url: cmd.indexUrl ?? indexes.url,
              extra: [...new Set([...(indexes.extra ?? []), ...cmd.extraIndexUrls])],
              findLinks: [...new Set([...(indexes.findLinks ?? []), ...cmd.findLinks])],
              noIndex: cmd.noIndex || indexes.noIndex,
            }
          : indexes,
    };
    const interrupted = {
      ename: "KeyboardInterrupt",
      evalue: `${cmd.line}: interrupted; ${env.name} stays at v${env.version}`,
    };
    if (ctx.signal?.aborted) return interrupted;
    ctx.write(`${cmd.line}: resolving ${env.name} v${env.version + 1}…\n`);
    const upgrade = cmd.action === "install" && cmd.upgrade ? cmd.requirements.map((r) => requirementName(r)!) : [];
    const created = await this.envs.create(next, ctx.userId, { prefer: env.id, upgrade });
    const cancel = () => this.envs.cancel(created.id);
    ctx.signal?.addEventListener("abort", cancel, { once: true });
    let built: Environment | null;
    try {
      const live = await this.envs.logs(created.id);
      if (live && typeof live !== "string") for await (const chunk of live.follow()) ctx.write(chunk);
      built = await this.envs.settled(created.id);
    } finally {
      ctx.signal?.removeEventListener("abort", cancel);
    }
    if (built?.status === "ready" && built.packages && !ctx.signal?.aborted) return built;
    // A version that never built is not kept: the cell shows why, the spec stays as it was.
    await this.envs.delete(created.id).catch(() => {});
    if (ctx.signal?.aborted) return interrupted;
    const reason = built?.error ?? "the build did not finish";
    const conflict = /cannot be resolved/.test(reason);
    return {
      ename: conflict ? "ResolutionImpossible" : "EnvironmentBuildError",
      evalue: conflict ? `${cmd.line} conflicts with ${env.name} v${env.version}: ${reason}` : `${cmd.line}: ${reason}`,
    };
  }
}

function freeze(env: Environment): string {
  const base = env.basePackages ?? [];
  return `${[...base, ...(env.packages ?? []).map(pin)].join("\n")}\n`;
}

function list(env: Environment): string {
  const rows = (env.packages ?? []).map((p) => [p.name, p.version] as const);
  const w = Math.max(7, ...rows.map(([n]) => n.length));
  const v = Math.max(7, ...rows.map(([, x]) => x.length));
  return `${[
    `${"Package".padEnd(w)} Version`,
    `${"-".repeat(w)} ${"-".repeat(v)}`,
    ...rows.map(([n, x]) => `${n.padEnd(w)} ${x}`),
  ].join("\n")}\n`;
}

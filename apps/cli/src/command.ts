import type { TandemClient } from "./client.ts";

export interface CommandContext {
  args: string[];
  flags: Record<string, string | boolean | string[] | undefined>;
  json: boolean;
  /** A client for the configured server (from flags, environment, or `tandem login`). */
  client(): Promise<TandemClient>;
}

export interface Command {
  usage: string;
  run(ctx: CommandContext): Promise<number | undefined>;
}

export class UsageError extends Error {}

export function need(args: string[], count: number, usage: string): string[] {
  if (args.length < count) throw new UsageError(`usage: tandem ${usage}`);
  return args;
}

/** A group of subcommands (`tandem projects list`, …). */
export function group(name: string, subs: Record<string, Command>): Command {
  return {
    usage: Object.values(subs)
      .map((s) => s.usage)
      .join("\n  "),
    run(ctx) {
      const [sub, ...rest] = ctx.args;
      const cmd = sub ? subs[sub] : undefined;
      if (!cmd) throw new UsageError(`usage:\n  ${this.usage}\n(unknown ${name} command: ${sub ?? "none"})`);
      return cmd.run({ ...ctx, args: rest });
    },
  };
}

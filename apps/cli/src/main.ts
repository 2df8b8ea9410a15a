import { parseCommandLine } from "./args.ts";
import { ApiRequestError, TandemClient } from "./client.ts";
import { type Command, UsageError } from "./command.ts";
import { login, logout, whoami } from "./commands/auth.ts";
import { deploy, deployments } from "./commands/deployments.ts";
import { envs } from "./commands/envs.ts";
import { jobs } from "./commands/jobs.ts";
import { models } from "./commands/models.ts";
import { share } from "./commands/notebook-io.ts";
import { run, runs } from "./commands/notebook-runs.ts";
import { members, notebooks, projects, tokens } from "./commands/resources.ts";
import { serve } from "./commands/serve.ts";
import { readSettings } from "./settings.ts";

const commands: Record<string, Command> = {
  serve,
  login,
  logout,
  whoami,
  projects,
  members,
  notebooks,
  share,
  tokens,
  envs,
  models,
  deploy,
  deployments,
  run,
  runs,
  schedule: jobs,
};

const HELP = `tandem — collaborative notebooks for ML teams

usage: tandem <command> [args] [--url URL] [--token TOKEN] [--json]

${Object.entries(commands)
  .map(([, c]) => `  ${c.usage.replaceAll("\n  ", "\n  ")}`)
  .join("\n")}

The server URL and token come from --url/--token, TANDEM_URL/TANDEM_TOKEN, or \`tandem login\`.`;

export async function main(argv: string[]): Promise<number> {
  const { flags: values, positionals } = parseCommandLine(argv);
  const [name, ...args] = positionals;
  if (!name || values.help) {
    process.stdout.write(`${HELP}\n`);
    return name || values.help ? 0 : 2;
  }
  const command = commands[name];
  if (!command) {
    process.stderr.write(`tandem: unknown command '${name}'\n\n${HELP}\n`);
    return 2;
  }
  try {
    return (
      (await command.run({
        args,
        flags: values,
        json: values.json === true,
        async client() {
          const saved = await readSettings();
          const url = String(values.url || process.env.TANDEM_URL || saved.url || "http://127.0.0.1:8888");
          const token = (values.token as string | undefined) || process.env.TANDEM_TOKEN || saved.token;
          return new TandemClient(url, token);
        },
      })) ?? 0
    );
  } catch (err) {
    if (err instanceof UsageError) {
      process.stderr.write(`${err.message}\n`);
      return 2;
    }
    if (err instanceof ApiRequestError) {
      process.stderr.write(`tandem: ${err.message}${err.status ? ` (${err.status} ${err.code})` : ""}\n`);
      return 1;
    }
    throw err;
  }
}

process.exitCode = await main(process.argv.slice(2));

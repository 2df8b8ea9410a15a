import { mkdir, readFile, writeFile } from "node:fs/promises";
import { homedir } from "node:os";
import { dirname, join } from "node:path";

export interface CliSettings {
  url?: string;
  token?: string;
}

export function settingsPath(): string {
  const base = process.env.XDG_CONFIG_HOME || join(homedir(), ".config");
  return join(base, "tandem", "cli.json");
}

export async function readSettings(): Promise<CliSettings> {
  try {
    return JSON.parse(await readFile(settingsPath(), "utf8")) as CliSettings;
  } catch {
    return {};
  }
}

/** The token is a secret: the file is readable by its owner only. */
export async function writeSettings(settings: CliSettings): Promise<void> {
  const path = settingsPath();
  await mkdir(dirname(path), { recursive: true, mode: 0o700 });
  await writeFile(path, `${JSON.stringify(settings, null, 2)}\n`, { mode: 0o600 });
}

import { hostname } from "node:os";
import type { CreatedToken, User } from "@tandem/protocol";
import { TandemClient } from "../client.ts";
import type { Command } from "../command.ts";
import { UsageError } from "../command.ts";
import { print } from "../output.ts";
import { readSettings, settingsPath, writeSettings } from "../settings.ts";

async function readStdinLine(): Promise<string> {
  let data = "";
  for await (const chunk of process.stdin) data += chunk;
  return data.split(/\r?\n/)[0] ?? "";
}

/** Signs in with a password to mint a personal token for this machine. */
async function tokenFromPassword(url: string, email: string, password: string): Promise<string> {
  const res = await fetch(`${url}/api/auth/login`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ email, password }),
  });
  if (!res.ok) {
    const body = (await res.json().catch(() => ({}))) as { error?: { message?: string } };
    throw new UsageError(`Sign-in failed: ${body.error?.message ?? `HTTP ${res.status}`}`);
  }
  const cookie = res.headers.get("set-cookie")?.split(";")[0] ?? "";
  const created = await fetch(`${url}/api/tokens`, {
    method: "POST",
    headers: { "content-type": "application/json", cookie },
    body: JSON.stringify({ name: `tandem CLI on ${hostname()}` }),
  });
  if (!created.ok) throw new UsageError(`Could not create a token: HTTP ${created.status}`);
  return ((await created.json()) as CreatedToken).token;
}

export const login: Command = {
  usage: "login --url URL (--token T | --email E --password-stdin)",
  async run({ flags, json }) {
    const saved = await readSettings();
    const url = String(flags.url || process.env.TANDEM_URL || saved.url || "http://127.0.0.1:8888").replace(/\/$/, "");
    let token = (flags.token as string | undefined) || process.env.TANDEM_TOKEN;
    if (!token) {
      if (!flags.email || !flags["password-stdin"]) throw new UsageError(`usage: tandem ${this.usage}`);
      token = await tokenFromPassword(url, String(flags.email), await readStdinLine());
    }
    const me = await new TandemClient(url, token).get<User>("/api/me");
    await writeSettings({ url, token });
    if (json) print({ url, user: me }, true);
    else process.stdout.write(`Signed in to ${url} as ${me.email}; settings saved in ${settingsPath()}\n`);
    return 0;
  },
};

export const logout: Command = {
  usage: "logout",
  async run() {
    const saved = await readSettings();
    await writeSettings({ url: saved.url });
    process.stdout.write("Signed out (the token is forgotten here; revoke it with `tandem tokens revoke`).\n");
    return 0;
  },
};

export const whoami: Command = {
  usage: "whoami",
  async run(ctx) {
    print(await (await ctx.client()).get<User>("/api/me"), ctx.json, ["id", "email", "name", "isAdmin"]);
    return 0;
  },
};

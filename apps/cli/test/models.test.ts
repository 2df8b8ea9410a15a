import { execFile } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { createProject, createUser, repoRoot, startTestServer, type TestServer, type TestUser } from "@tandem/testkit";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

const exec = promisify(execFile);
const bin = join(repoRoot, "apps/cli/bin/tandem.js");
let server: TestServer;
let home: string;
let owner: TestUser;
let projectId: string;

beforeAll(async () => {
  server = await startTestServer();
  home = await mkdtemp(join(tmpdir(), "tandem-cli-models-"));
  owner = await createUser(server.http, "modeller");
  projectId = await createProject(owner.client, [], "Models");
});
afterAll(async () => {
  await server?.close();
  await rm(home, { recursive: true, force: true });
});

async function tandem(...args: string[]) {
  try {
    const { stdout, stderr } = await exec(process.execPath, [bin, ...args], {
      env: { ...process.env, XDG_CONFIG_HOME: home, TANDEM_URL: server.url, TANDEM_TOKEN: owner.token },
    });
    return { code: 0, stdout, stderr };
  } catch (err) {
    const e = err as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

describe("tandem models", () => {
  it("registers a run's model, moves aliases, shows the history and deletes", async () => {
    const M = "/api/2.0/mlflow";
    const exp = (
      await owner.client.post(`${M}/experiments/create`, {
        name: "cli",
        tags: [{ key: "tandem.projectId", value: projectId }],
      })
    ).body.experiment_id;
    const run = (await owner.client.post(`${M}/runs/create`, { experiment_id: exp })).body.run.info.run_id;
    await owner.client.post(`${M}/runs/log-metric`, { run_id: run, key: "auc", value: 0.91, timestamp: 1, step: 0 });
    const lm = (
      await owner.client.post(`${M}/logged-models`, { experiment_id: exp, name: "model", source_run_id: run })
    ).body.model.info.model_id;

    const reg = await tandem("models", "register", "churn", "--run", run, "--project", projectId, "--json");
    expect(reg.code, reg.stderr).toBe(0);
    expect(JSON.parse(reg.stdout)).toMatchObject({ version: 1, modelId: lm, runId: run });
    expect((await tandem("models", "register", "churn", "--model-id", lm)).code).toBe(0);
    // The run's logged models, with the versions made from each (the run page's "Register model").
    const logged = await tandem("models", "logged", run);
    expect(logged.code, logged.stderr).toBe(0);
    expect(logged.stdout).toMatch(new RegExp(`model\\s+${lm}\\s+pending\\s+churn v1,churn v2`));

    const alias = await tandem("models", "alias", "churn", "production", "1");
    expect(alias.stdout).toBe("churn@production -> v1\n");
    await tandem("models", "alias", "churn", "production", "2");
    const list = await tandem("models", "list", projectId);
    expect(list.stdout).toMatch(/churn\s+2\s+production=v2/);
    const versions = await tandem("models", "versions", "churn");
    expect(versions.stdout).toMatch(/1\s+\s*\S*\s*auc=0.91/);
    const history = await tandem("models", "history", "churn", "--json");
    expect(JSON.parse(history.stdout).events.map((e: any) => [e.fromVersion, e.toVersion])).toEqual([
      [null, 1],
      [1, 2],
    ]);
    const bad = await tandem("models", "alias", "churn", "latest", "1");
    expect(bad.code).not.toBe(0);
    expect(bad.stderr).toContain("reserved");
    expect((await tandem("models", "delete", "churn", "2")).stdout).toBe("Deleted churn v2\n");
    const show = await tandem("models", "show", "churn", "--json");
    expect(JSON.parse(show.stdout)).toMatchObject({ latestVersion: 1, aliases: {} });
    expect((await tandem("models", "delete", "churn")).code).toBe(0);
    expect((await tandem("models", "show", "churn")).code).not.toBe(0);
  }, 90_000); // a dozen CLI processes, each a Node start: slow on a loaded machine
});

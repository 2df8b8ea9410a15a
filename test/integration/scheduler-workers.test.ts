import { chmod, mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  createProject,
  createUser,
  HttpClient,
  pythonKernelspecs,
  startTestServer,
  type TestServer,
  type TestUser,
} from "@tandem/testkit";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { code, importNotebook, waitForRun } from "./scheduler-fixture.ts";

// Two `tandem serve` processes on one Postgres: two workers sharing one queue.
let a: TestServer;
let b: TestServer;
let c: TestServer | undefined;
let survivor: TestServer;
let specs: Awaited<ReturnType<typeof pythonKernelspecs>>;
let owner: TestUser;
let projectId: string;
let scratch: string;
let env: Record<string, string>;

beforeAll(async () => {
  specs = await pythonKernelspecs();
  scratch = await mkdtemp(join(tmpdir(), "tandem-workers-"));
  // Both servers' sandboxed kernels (run as nobody under root) write their marks here.
  await chmod(scratch, 0o777);
  env = {
    ...specs.env,
    TANDEM_KERNEL_WRITE_PATHS: scratch,
    TANDEM_RUN_LEASE_MS: "2000",
    TANDEM_SCHEDULER_POLL_MS: "100",
    TANDEM_KERNEL_POOL_SIZE: "2",
  };
  a = await startTestServer({ process: true, env });
  b = await startTestServer({ process: true, env, database: a.database });
  owner = await createUser(a.http, "scientist");
  projectId = await createProject(owner.client);
}, 90_000);
afterAll(async () => {
  await c?.close();
  await b?.close();
  await a?.close();
  await specs?.remove();
  await rm(scratch, { recursive: true, force: true });
});

const workerOf = async (client: HttpClient, runId: string) =>
  /started on (\S+)/.exec((await client.get(`/api/runs/${runId}/logs`)).body)?.[1];

describe("workers sharing one queue", { timeout: 180_000 }, () => {
  it("drains queued runs across two server processes, each run exactly once", async () => {
    const marks = join(scratch, "drain.txt");
    const nb = await importNotebook(owner.client, projectId, "tiny", [
      code("params", "n = -1\nmarks = ''", ["parameters"]),
      code("mark", "with open(marks, 'a') as f:\n    f.write(f'{n}\\n')"),
    ]);
    const ids: string[] = [];
    for (let n = 0; n < 12; n++) {
      const res = await owner.client.post(`/api/notebooks/${nb}/runs`, { parameters: { n, marks } });
      expect(res.status, JSON.stringify(res.body)).toBe(201);
      ids.push(res.body.id);
    }
    const runs = await Promise.all(ids.map((id) => waitForRun(owner.client, id, undefined, 150_000)));
    expect(
      runs.map((r) => r.status),
      JSON.stringify(runs.filter((r) => r.status !== "succeeded")),
    ).toEqual(ids.map(() => "succeeded"));
    const lines = (await readFile(marks, "utf8")).trim().split("\n").map(Number);
    expect(lines.sort((x, y) => x - y)).toEqual([...Array(12).keys()]);
    const workers = new Set(await Promise.all(ids.map((id) => workerOf(owner.client, id))));
    expect(workers.size, [...workers].join(", ")).toBeGreaterThanOrEqual(2);
  });

  it("picks up a SIGKILLed worker's run after its lease expires, and runs it once at a time", async () => {
    const marks = join(scratch, "killed.txt");
    const nb = await importNotebook(owner.client, projectId, "long", [
      code("params", "marks = ''", ["parameters"]),
      code(
        "work",
        [
          "import os, time",
          "with open(marks, 'a') as f: f.write(f'start {time.time()}\\n')",
          "time.sleep(6)",
          "with open(marks, 'a') as f: f.write(f'end {time.time()}\\n')",
        ].join("\n"),
      ),
    ]);
    const created = await owner.client.post(`/api/notebooks/${nb}/runs`, { parameters: { marks }, retries: 1 });
    expect(created.status, JSON.stringify(created.body)).toBe(201);
    const running = await waitForRun(
      owner.client,
      created.body.id,
      (r) => r.cells.find((c: any) => c.cellId === "work")?.status === "running",
    );
    expect(running.attempt).toBe(1);
    const holder = (await workerOf(owner.client, created.body.id))!;
    const pid = Number(holder.split(":")[1]);
    const [victim, other] = a.child!.pid === pid ? [a, b] : [b, a];
    survivor = other;
    expect(victim.child!.pid).toBe(pid);
    await victim.kill("SIGKILL");
    const killedAt = Date.now() / 1000;

    const client = new HttpClient(survivor.url, { token: owner.token });
    const done = await waitForRun(client, created.body.id, undefined, 120_000);
    expect(done.status, JSON.stringify(done.error)).toBe("succeeded");
    expect(done.attempt).toBe(2);
    const logs = (await client.get(`/api/runs/${done.id}/logs`)).body as string;
    expect(logs).toContain("stopped renewing its lease");
    const events = (await readFile(marks, "utf8")).trim().split("\n");
    // The first attempt's kernel went with its server: it never finished; the second ran alone, after the kill.
    expect(events.map((e) => e.split(" ")[0])).toEqual(["start", "start", "end"]);
    expect(Number(events[1]!.split(" ")[1])).toBeGreaterThan(killedAt);
  });

  it("puts a run back in the queue when its server stops gracefully, and finishes it after a restart", async () => {
    const client = new HttpClient(survivor.url, { token: owner.token });
    const nb = await importNotebook(client, projectId, "restarted", [
      code("work", "import time\nfor _ in range(40):\n    time.sleep(0.1)\nprint('finished')"),
    ]);
    const created = await client.post(`/api/notebooks/${nb}/runs`, {});
    await waitForRun(client, created.body.id, (r) => r.cells[0]?.status === "running");
    await survivor.kill("SIGTERM");
    const restarted = await startTestServer({ process: true, env, database: a.database });
    c = restarted;
    const after = new HttpClient(restarted.url, { token: owner.token });
    const done = await waitForRun(after, created.body.id, undefined, 120_000);
    expect(done.status, JSON.stringify(done.error)).toBe("succeeded");
    // A restart is not a failure: the attempt is not counted.
    expect(done.attempt).toBe(1);
    const logs = (await after.get(`/api/runs/${done.id}/logs`)).body as string;
    expect(logs).toContain("goes back to the queue");
    expect(logs).toContain("finished");
  });
});

import { mkdir } from "node:fs/promises";
import { join } from "node:path";
import { type Db, type ServedVersion, schema } from "@tandem/db";
import type { EnvironmentService } from "@tandem/envs";
import type { Launcher } from "@tandem/launcher";
import type { CreateDeployment, Deployment, DeploymentStatus, UpdateDeployment } from "@tandem/protocol";
import type { ModelVersion, Tracking } from "@tandem/tracking";
import { eq } from "drizzle-orm";
import type { Logger } from "pino";
import { deploymentView } from "./deployment-view.ts";
import { environmentFor } from "./environment.ts";
import { invalid, ServingError } from "./errors.ts";
import { materializeModel } from "./model-files.ts";
import { createMonitoring } from "./monitoring/face.ts";
import { type Answered, invoke } from "./proxy.ts";
import { registryGuard } from "./registry-guard.ts";
import { DeploymentRuntime } from "./runtime.ts";
import * as store from "./store.ts";

export interface ServingOptions {
  db: Db;
  tracking: Tracking;
  envs: EnvironmentService;
  launcher: Launcher;
  log: Logger;
  /** Models' files and replicas' working directories go under it. */
  dataDir: string;
  /** The server's public address (deployments' URLs), known once it listens. */
  publicUrl: () => string;
  /** How often followed aliases are checked for a move (default 1 s). */
  followMs?: number;
  /** Longest wait for a new replica's first /ping (default 5 min: a cold model load can be slow). */
  replicaStartTimeoutMs?: number;
  /** What time it is (monitoring's buckets and windows; tests move it). */
  clock?: () => Date;
  /** How long per-minute metrics and the request log are kept, in days (default 30). */
  metricsRetentionDays?: number;
}

export interface Invocation {
  method: string;
  contentType: string | null;
  body: ArrayBuffer | null;
}

type Target = { alias?: string | null; version?: number | null };

/** Deployments: rows in Postgres, replicas on this server, the proxy in front of them. */
export function createServing(o: ServingOptions) {
  const { db, tracking, envs } = o;
  const models = tracking.models;
  const runtimes = new Map<string, DeploymentRuntime>();
  const chains = new Map<string, Promise<void>>();
  let closed = false;
  // Deployments' names by id, for the replica gauges' labels.
  const names = new Map<string, string>();
  const monitoring = createMonitoring({
    db,
    log: o.log,
    tracking,
    clock: o.clock,
    retentionDays: o.metricsRetentionDays,
    runtimes,
    names,
  });
  const { monitor } = monitoring;

  const runtimeOf = (id: string) => {
    const found = runtimes.get(id);
    if (found) return found;
    const rt = new DeploymentRuntime({
      deploymentId: id,
      launcher: o.launcher,
      log: o.log,
      startTimeoutMs: o.replicaStartTimeoutMs ?? 300_000,
    });
    runtimes.set(id, rt);
    return rt;
  };

  /** One change at a time per deployment, in the order asked. */
  const serial = (id: string, task: () => Promise<void>) => {
    const next = (chains.get(id) ?? Promise.resolve()).then(task, task);
    chains.set(
      id,
      next.catch(() => {}),
    );
    return next;
  };

  async function versionOf(modelName: string, t: Target): Promise<ModelVersion> {
    const row = await models.registered.row(modelName);
    if (t.alias) return models.aliases.version(row, t.alias);
    if (t.version) return models.versions.get(row, t.version);
    const [latest] = await models.versions.search({ projectIds: null, registeredModelId: row.id, limit: 1, offset: 0 });
    if (!latest) throw invalid(`Model '${modelName}' has no versions to deploy`);
    return latest;
  }

  /** The versions a deployment should serve now, with their weights. */
  async function targetsOf(row: store.DeploymentRow): Promise<{ targets: ServedVersion[]; versions: ModelVersion[] }> {
    const main = await versionOf(row.model, row);
    const canary = row.canary ? await versionOf(row.model, row.canary) : null;
    if (!canary || canary.version === main.version)
      return { targets: [{ version: main.version, weight: 100, environmentId: null }], versions: [main] };
    return {
      targets: [
        { version: main.version, weight: 100 - row.canary!.percent, environmentId: null },
        { version: canary.version, weight: row.canary!.percent, environmentId: null },
      ],
      versions: [main, canary],
    };
  }

  /** Brings a deployment's replicas to what its row asks for; the history says what changed. */
  function apply(id: string, userId: string | null, action: string) {
    return serial(id, async () => {
      if (closed) return;
      const row = await store.deploymentRow(db, id);
      names.set(id, row.name);
      const rt = runtimeOf(id);
      if (row.desired === "stopped") {
        await rt.stopAll();
        await store.setState(db, id, { status: "stopped", reason: null });
        return;
      }
      // The follower saw an alias that this deployment may no longer follow (pinned since).
      if (action === "rollout" && !row.alias && !row.canary?.alias) return;
      const before = rt.serving();
      let targets: ServedVersion[];
      try {
        const resolved = await targetsOf(row);
        targets = resolved.targets;
        const same =
          before.length === targets.length &&
          targets.every((t) => before.some((b) => b.version === t.version && b.weight === t.weight)) &&
          rt.replicas().filter((r) => r.state !== "stopping").length === row.replicas * targets.length;
        if (same) return;
        if (!before.length) await store.setState(db, id, { status: "building", reason: null });
        const envIds = new Map<number, string>();
        await rt.rollout(targets, row.replicas, async (version) => {
          const v = resolved.versions.find((x) => x.version === version)!;
          const modelDir = await materializeModel(
            tracking.artifacts,
            await models.versions.downloadUri(v),
            join(o.dataDir, "models"),
            v.id,
          );
          const envId = await environmentFor(envs, tracking, v, modelDir, {
            gpus: row.resources.gpus ?? 0,
            userId,
          });
          envIds.set(version, envId);
          if (!before.length) await store.setState(db, id, { status: "starting", reason: null });
          const cwd = join(o.dataDir, "replicas", id);
          await mkdir(cwd, { recursive: true, mode: 0o700 });
          return async () => {
            const ks = await envs.kernelspec(envId);
            if (!ks) throw new ServingError("build_failed", "The model's environment is gone");
            const launch = await envs.prepareLaunch(ks.name);
            return {
              python: ks.spec.argv[0]!,
              modelDir,
              cwd,
              timeoutMs: row.timeoutMs,
              env: { ...ks.spec.env, ...launch?.env, PATH: `${ks.prefix}/bin:/usr/local/bin:/usr/bin:/bin` },
              release: () => launch?.release(),
            };
          };
        });
        const serving = targets.map((t) => ({ ...t, environmentId: envIds.get(t.version) ?? null }));
        const kept = before.filter((b) => serving.some((s) => s.version === b.version));
        for (const s of serving) s.environmentId ??= kept.find((k) => k.version === s.version)?.environmentId ?? null;
        await store.setState(db, id, { status: "ready", reason: null, serving });
        const changed = serving.map((s) => s.version).join(",") !== before.map((b) => b.version).join(",");
        if (changed || action !== "rollout")
          await store.record(db, id, { userId, action, versions: serving.map((s) => s.version) });
      } catch (err) {
        const reason = err instanceof Error ? err.message : String(err);
        o.log.warn({ deployment: row.name, reason }, "deployment rollout failed");
        // A failed rollout keeps the old version serving.
        const status: DeploymentStatus = rt.hasReady() ? "ready" : "failed";
        await store.setState(db, id, {
          status,
          reason: status === "ready" ? `The rollout failed and the previous version still serves: ${reason}` : reason,
        });
        await store.record(db, id, {
          userId,
          action: "failed",
          versions: before.map((b) => b.version),
          detail: reason,
        });
      }
    });
  }

  const toDeployment = (row: store.DeploymentRow): Deployment =>
    deploymentView(row, runtimes.get(row.id)?.replicas() ?? [], o.publicUrl());

  models.setGuard(registryGuard(db));

  // Deployments with a change under way (the alias follower leaves them alone).
  const busy = new Set<string>();
  const chainsBusy = (id: string) => busy.has(id);
  const tracked = (id: string, userId: string | null, action: string) => {
    busy.add(id);
    return apply(id, userId, action).finally(() => busy.delete(id));
  };

  // Followed aliases: a move starts a rollout.
  const follow = setInterval(() => {
    void (async () => {
      for (const row of await store.running(db)) {
        if (!row.alias && !row.canary?.alias) continue;
        const rt = runtimes.get(row.id);
        if (!rt || chainsBusy(row.id)) continue;
        const { targets } = await targetsOf(row).catch(() => ({ targets: null }));
        if (
          targets &&
          targets.map((t) => t.version).join() !==
            rt
              .serving()
              .map((s) => s.version)
              .join()
        )
          void apply(row.id, null, "rollout");
      }
    })().catch((err) => o.log.warn({ err }, "following aliases failed"));
  }, o.followMs ?? 1000);
  follow.unref();

  const serving = {
    async create(projectId: string, input: CreateDeployment, userId: string | null): Promise<Deployment> {
      const model = await models.registered.row(input.model).catch(() => null);
      if (!model || model.projectId !== projectId) throw invalid(`No model '${input.model}' in this project`);
      const target = await versionOf(input.model, input).catch((err) => {
        throw invalid(err instanceof Error ? err.message : String(err));
      });
      if (input.canary)
        await versionOf(input.model, input.canary).catch((err) => {
          throw invalid(`Canary: ${err instanceof Error ? err.message : String(err)}`);
        });
      const [row] = await db
        .insert(schema.deployments)
        .values({
          projectId,
          name: input.name,
          registeredModelId: model.id,
          alias: input.alias ?? null,
          version: input.alias ? null : (input.version ?? target.version),
          canary: input.canary ?? null,
          replicas: input.replicas,
          timeoutMs: input.timeoutMs,
          resources: { gpus: input.gpus },
          logSampleRate: input.logSampleRate,
          sensitive: input.sensitive,
          createdBy: userId,
        })
        .onConflictDoNothing()
        .returning();
      if (!row) throw new ServingError("conflict", `A deployment named '${input.name}' exists already`);
      await store.record(db, row.id, { userId, action: "created", versions: [target.version] });
      void tracked(row.id, userId, "deployed");
      return toDeployment(await store.deploymentRow(db, row.id));
    },
    list: async (projectId: string) => (await store.deploymentRows(db, { projectId })).map(toDeployment),
    get: async (idOrName: string) => toDeployment(await store.deploymentRow(db, idOrName)),
    /** The project a deployment belongs to (for access checks before anything else is read). */
    projectOf: async (idOrName: string) => (await store.deploymentRow(db, idOrName)).projectId,
    async update(id: string, patch: UpdateDeployment, userId: string | null) {
      const row = await store.deploymentRow(db, id);
      const set: Partial<typeof schema.deployments.$inferInsert> = { updatedAt: new Date() };
      if (patch.alias !== undefined || patch.version !== undefined) {
        await versionOf(row.model, patch).catch((err) => {
          throw invalid(err instanceof Error ? err.message : String(err));
        });
        set.alias = patch.alias ?? null;
        set.version = patch.alias ? null : (patch.version ?? null);
      }
      if (patch.replicas !== undefined) set.replicas = patch.replicas;
      if (patch.timeoutMs !== undefined) set.timeoutMs = patch.timeoutMs;
      if (patch.canary !== undefined) set.canary = patch.canary;
      if (patch.logSampleRate !== undefined) set.logSampleRate = patch.logSampleRate;
      if (patch.sensitive !== undefined) set.sensitive = patch.sensitive;
      await db.update(schema.deployments).set(set).where(eq(schema.deployments.id, row.id));
      await tracked(row.id, userId, "updated");
      return toDeployment(await store.deploymentRow(db, row.id));
    },
    /** Back to the version served before the current one (pinned), from the history. */
    async rollback(id: string, userId: string | null) {
      const row = await store.deploymentRow(db, id);
      const current = row.serving.map((s) => s.version).join(",");
      const earlier = (await store.history(db, row.id)).find(
        (h) => h.action !== "failed" && h.versions.length && h.versions.join(",") !== current,
      );
      if (!earlier) throw new ServingError("conflict", "Nothing to roll back to: no other version was served before");
      await db
        .update(schema.deployments)
        .set({ alias: null, version: earlier.versions[0]!, canary: null, updatedAt: new Date() })
        .where(eq(schema.deployments.id, row.id));
      await tracked(row.id, userId, "rolled back");
      return toDeployment(await store.deploymentRow(db, row.id));
    },
    async setRunning(id: string, running: boolean, userId: string | null) {
      const row = await store.deploymentRow(db, id);
      await store.setState(db, row.id, { desired: running ? "running" : "stopped" });
      if (!running) await store.record(db, row.id, { userId, action: "stopped", versions: [] });
      if (running) void tracked(row.id, userId, "started");
      else await tracked(row.id, userId, "stopped");
      return toDeployment(await store.deploymentRow(db, row.id));
    },
    async delete(id: string) {
      const row = await store.deploymentRow(db, id);
      await serial(row.id, async () => {
        await runtimes.get(row.id)?.stopAll();
        runtimes.delete(row.id);
        await db.delete(schema.deployments).where(eq(schema.deployments.id, row.id));
      });
    },
    history: async (id: string) => store.history(db, (await store.deploymentRow(db, id)).id),
    /** Each replica's latest output, newest replica first. */
    async logs(id: string): Promise<string> {
      const row = await store.deploymentRow(db, id);
      const replicas = runtimes.get(row.id)?.replicas() ?? [];
      if (!replicas.length) return row.reason ? `${row.reason}\n` : "";
      return replicas.map((r) => `==> replica ${r.id} (version ${r.version}, ${r.state}) <==\n${r.logs()}`).join("\n");
    },
    /** The proxy: `/deployments/<name>/<op>` (invocations, ping, health, version). */
    async invoke(name: string, op: string, req: Invocation): Promise<Response> {
      const started = performance.now();
      const row = await store.deploymentRow(db, name);
      const answered: Answered = { replica: null, version: null, body: null };
      const res = await invoke(runtimes.get(row.id), row, op, req, answered);
      monitor.record(
        {
          deploymentId: row.id,
          deployment: row.name,
          version: answered.version,
          replica: answered.replica,
          status: res.status,
          latencySeconds: (performance.now() - started) / 1000,
          bytesIn: req.body?.byteLength ?? 0,
          bytesOut: answered.body?.byteLength ?? 0,
        },
        { rate: row.logSampleRate, sensitive: row.sensitive },
        { input: req.body, output: answered.body },
      );
      return res;
    },
    ...monitoring.face,
    /** Brings back every deployment that should run (after a restart). */
    async start() {
      const rows = await store.running(db);
      // Not ready until its replicas answer again (they died with the previous process).
      for (const row of rows) await store.setState(db, row.id, { status: "starting", reason: null });
      for (const row of rows) void tracked(row.id, null, "restored");
    },
    async close() {
      closed = true;
      clearInterval(follow);
      await Promise.all([...chains.values()]);
      await Promise.all([...runtimes.values()].map((rt) => rt.stopAll()));
      await monitoring.close();
    },
  };
  return serving;
}

export type Serving = ReturnType<typeof createServing>;

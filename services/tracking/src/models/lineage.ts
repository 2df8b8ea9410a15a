import { type Db, schema } from "@tandem/db";
import { and, eq, or, sql } from "drizzle-orm";
import type { ArtifactStore } from "../artifacts.ts";
import { runInputsOf } from "../logging.ts";
import { getRun } from "../mlflow-run-search.ts";
import { getLoggedModel, type LoggedModel, modelArtifactDir } from "./logged-models.ts";
import type { ModelVersion } from "./versions.ts";

const { notebooks, environments, experiments, artifacts } = schema;

export interface Lineage {
  version: ModelVersion;
  loggedModel:
    | (LoggedModel & {
        mlmodel: string | null;
        inputExample: string | null;
        artifacts: { path: string; size: number }[];
      })
    | null;
  run: {
    id: string;
    name: string;
    experimentId: number;
    experimentName: string;
    status: string;
    startTime: number;
    endTime: number | null;
    userName: string;
    params: Record<string, string>;
    metrics: Record<string, number>;
  } | null;
  notebook: { id: string; name: string; revision: string | null } | null;
  environment: { id: string; name: string | null; lockHash: string | null } | null;
  gpus: string[];
  datasets: { name: string; digest: string; dataset: Record<string, unknown>; tags: unknown }[];
}

const TEXT_LIMIT = 64 * 1024;

async function smallText(store: ArtifactStore, experimentId: number, path: string): Promise<string | null> {
  const file = await store.get({ experimentId, rest: path }).catch(() => null);
  if (!file) return null;
  if (file.size > TEXT_LIMIT) {
    file.stream.destroy();
    return null;
  }
  const chunks: Buffer[] = [];
  for await (const c of file.stream) chunks.push(c as Buffer);
  return Buffer.concat(chunks).toString("utf8");
}

/** A version's whole chain: logged model, run, notebook and revision, environment, GPUs, params, metrics, datasets. */
export async function lineageOf(db: Db, store: ArtifactStore, version: ModelVersion): Promise<Lineage> {
  const model = version.modelId ? await getLoggedModel(db, version.modelId, true).catch(() => null) : null;
  const runId = version.runId ?? model?.sourceRunId ?? null;
  const run = runId ? await getRun(db, runId).catch(() => null) : null;
  const out: Lineage = {
    version,
    loggedModel: null,
    run: null,
    notebook: null,
    environment: null,
    gpus: [],
    datasets: [],
  };
  if (model) {
    const dir = modelArtifactDir(model.id);
    const [mlmodel, inputExample] = await Promise.all([
      smallText(store, model.experimentId, `${dir}/MLmodel`),
      smallText(store, model.experimentId, `${dir}/input_example.json`),
    ]);
    const files = await db
      .select({ path: artifacts.path, size: artifacts.size })
      .from(artifacts)
      .where(and(eq(artifacts.experimentId, model.experimentId), sql`starts_with(${artifacts.path}, ${`${dir}/`})`))
      .orderBy(artifacts.path);
    out.loggedModel = {
      ...model,
      mlmodel,
      inputExample,
      artifacts: files.map((f) => ({ path: f.path.slice(dir.length + 1), size: Number(f.size) })),
    };
  }
  if (!run) return out;
  const info = run.info;
  const [exp] = await db
    .select({ name: experiments.name })
    .from(experiments)
    .where(eq(experiments.id, info.experimentId));
  out.run = {
    id: info.runId,
    name: info.runName,
    experimentId: info.experimentId,
    experimentName: exp?.name ?? "",
    status: info.status,
    startTime: info.startTime,
    endTime: info.endTime,
    userName: info.userName,
    params: Object.fromEntries(run.data.params.map((p) => [p.key, p.value])),
    metrics: Object.fromEntries(run.data.metrics.map((m) => [m.key, m.value])),
  };
  if (info.sourceNotebookId) {
    const [nb] = await db
      .select({ id: notebooks.id, name: notebooks.name })
      .from(notebooks)
      .where(eq(notebooks.id, info.sourceNotebookId));
    if (nb) out.notebook = { ...nb, revision: info.notebookRevision };
  }
  if (info.environmentId) {
    const uuid = /^[0-9a-f-]{36}$/i.test(info.environmentId);
    const [env] = await db
      .select({ id: environments.id, name: environments.name, identity: environments.identity })
      .from(environments)
      .where(
        uuid
          ? or(eq(environments.id, info.environmentId), eq(environments.identity, info.environmentId))
          : eq(environments.identity, info.environmentId),
      )
      .limit(1);
    out.environment = env
      ? { id: env.id, name: env.name, lockHash: env.identity }
      : { id: info.environmentId, name: null, lockHash: uuid ? null : info.environmentId };
  }
  out.gpus = info.gpus ?? [];
  out.datasets = (await runInputsOf(db, info.runId)).map((d) => ({
    name: d.name,
    digest: d.digest,
    dataset: d.dataset,
    tags: d.tags,
  }));
  return out;
}

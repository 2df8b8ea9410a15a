import type { Db } from "@tandem/db";
import type { ArtifactStore } from "../artifacts.ts";
import * as aliases from "./aliases.ts";
import { Guards, type ModelGuard } from "./guard.ts";
import { lineageOf } from "./lineage.ts";
import * as logged from "./logged-models.ts";
import * as rm from "./registered-models.ts";
import * as mv from "./versions.ts";

type Row = rm.RegisteredModelRow;
type Version = mv.ModelVersion;

/** The models area: logged models, registered models, versions, aliases with their history, lineage. */
export function createModels(db: Db, artifacts: ArtifactStore) {
  const guards = new Guards();
  return {
    /** For the deployments service: veto deleting a version or moving an alias (409). */
    setGuard: (guard: ModelGuard) => guards.set(guard),
    logged: {
      create: (input: logged.CreateLoggedModel) => logged.createLoggedModel(db, input),
      get: (id: string, allowDeleted = false) => logged.getLoggedModel(db, id, allowDeleted),
      finalize: (id: string, status: unknown) => logged.finalizeLoggedModel(db, id, status),
      delete: (id: string) => logged.deleteLoggedModel(db, id),
      search: (q: logged.SearchLoggedModels) => logged.searchLoggedModels(db, q),
      setTags: (id: string, tags: unknown) => logged.setLoggedModelTags(db, id, tags),
      deleteTag: (id: string, key: string) => logged.deleteLoggedModelTag(db, id, key),
      logParams: (id: string, params: unknown) => logged.logLoggedModelParams(db, id, params),
      logOutputs: (runId: string, models: unknown) => logged.logOutputs(db, runId, models),
      outputsOf: (runId: string) => logged.runOutputsOf(db, runId),
    },
    registered: {
      create: (input: rm.CreateRegisteredModel) => rm.createRegisteredModel(db, input),
      row: (name: unknown) => rm.registeredModelRow(db, name),
      get: (name: unknown) => rm.getRegisteredModel(db, name),
      byId: (id: string) => rm.registeredModelById(db, id),
      update: (row: Row, set: { name?: string; description?: string }) =>
        rm.updateRegisteredModel(
          db,
          row,
          set.name !== undefined ? { ...set, name: rm.validateModelName(set.name) } : set,
        ),
      setTag: (row: Row, key: unknown, value: unknown) => rm.setRegisteredModelTag(db, row, key, value),
      deleteTag: (row: Row, key: string) => rm.deleteRegisteredModelTag(db, row, key),
      /** Refused (409) when a guard protects one of its versions or aliases. */
      delete: async (row: Row) => {
        const model = await rm.registeredModelById(db, row.id);
        const versions = await mv.searchVersions(db, {
          projectIds: null,
          registeredModelId: row.id,
          limit: 1_000_000,
          offset: 0,
        });
        for (const v of versions) await guards.deleteVersion({ name: row.name, version: v.version });
        for (const a of model.aliases)
          await guards.moveAlias({ name: row.name, alias: a.alias, from: a.version, to: null });
        await rm.deleteRegisteredModel(db, row);
      },
      search: (q: rm.SearchRegisteredModels) => rm.searchRegisteredModels(db, q),
    },
    versions: {
      resolveSource: (input: { source: unknown; runId?: unknown; modelId?: unknown }) => mv.resolveSource(db, input),
      create: (input: mv.CreateVersion) => mv.createVersion(db, input),
      get: (model: Row, version: unknown) => mv.getVersion(db, model, mv.versionOf(version)),
      byId: (id: string) => mv.versionById(db, id),
      update: (v: Version, set: { description?: string }) => mv.updateVersion(db, v, set),
      setTag: (v: Version, key: unknown, value: unknown) => mv.setVersionTag(db, v, key, value),
      deleteTag: (v: Version, key: string) => mv.deleteVersionTag(db, v, key),
      transitionStage: (v: Version, stage: unknown, archiveExisting: boolean) =>
        mv.transitionStage(db, v, stage, archiveExisting),
      delete: (v: Version, userId: string | null) => mv.deleteVersion(db, guards, v, userId),
      latest: (model: Row, stages: string[]) => mv.latestVersions(db, model, stages),
      search: (q: mv.SearchVersions) => mv.searchVersions(db, q),
      downloadUri: (v: Version) => mv.downloadUri(db, v),
      lineage: (v: Version) => lineageOf(db, artifacts, v),
      runMetrics: (runIds: string[]) => mv.runMetrics(db, runIds),
    },
    aliases: {
      set: (model: Row, alias: unknown, version: unknown, userId: string | null) =>
        aliases.setAlias(db, guards, model, alias, version, userId),
      delete: (model: Row, alias: unknown, userId: string | null) =>
        aliases.deleteAlias(db, guards, model, alias, userId),
      version: (model: Row, alias: unknown) => aliases.versionByAlias(db, model, alias),
      history: (model: Row, alias?: string) => aliases.aliasHistory(db, model, alias),
      at: (model: Row, at: number) => aliases.aliasesAt(db, model, at),
    },
  };
}

export type Models = ReturnType<typeof createModels>;

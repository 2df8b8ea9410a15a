import { experimentIdOf, MlflowCode, type RegisteredModel, type Tracking, TrackingError } from "@tandem/tracking";
import type { Identity } from "../auth/identity.ts";
import type { mlflowAccess } from "../mlflow-access.ts";
import { wireLoggedModel, wireModelVersion, wireRegisteredModel } from "../mlflow-model-wire.ts";
import { type Body, list, maxResultsOf, type Route, required, str } from "../mlflow-params.ts";
import { offsetOf, pageToken } from "../mlflow-wire.ts";

type Access = ReturnType<typeof mlflowAccess>;

const invalid = (message: string) => new TrackingError(MlflowCode.invalid, message);
const boolOf = (v: unknown) => v === true || v === "true" || v === "True";

/**
 * MLflow 3's logged models (`/logged-models`, `/runs/outputs`) and the model registry
 * (`/registered-models/*`, `/model-versions/*`), as the stock client calls them.
 */
export function mlflowModelRoutes(route: Route, tracking: Tracking, access: Access) {
  const models = tracking.models;

  async function loggedModel(who: Identity, id: unknown, needed: "viewer" | "editor", allowDeleted = false) {
    if (typeof id !== "string" || !id) throw invalid("Missing value for required parameter 'model_id'");
    const model = await models.logged.get(id, allowDeleted);
    const exp = await tracking.experiments.get(model.experimentId);
    await access.checkRole(who, exp.projectId, needed, `Logged model with ID '${id}' not found.`);
    return model;
  }
  async function registered(who: Identity, name: unknown, needed: "viewer" | "editor") {
    const row = await models.registered.row(typeof name === "string" ? name : str(name));
    await access.checkRole(who, row.projectId, needed, `Registered Model with name=${String(name)} not found`);
    return row;
  }
  async function version(who: Identity, body: Body, needed: "viewer" | "editor") {
    const row = await registered(who, body.name, needed);
    return { row, version: await models.versions.get(row, body.version) };
  }
  const withLatest = async (m: RegisteredModel) =>
    wireRegisteredModel(m, await models.versions.latest(await models.registered.row(m.name), []));

  // --- logged models -------------------------------------------------------
  route(
    "/logged-models",
    async (who, body) => {
      const exp = await access.experiment(who, experimentIdOf(body.experiment_id), "editor");
      const runId = str(body.source_run_id);
      if (runId) {
        const { row } = await access.run(who, runId, "editor");
        if (row.experimentId !== exp.id) throw invalid(`Run ${runId} is not in experiment ${exp.id}`);
      }
      const model = await models.logged.create({
        experimentId: exp.id,
        name: str(body.name),
        sourceRunId: runId,
        modelType: str(body.model_type),
        params: body.params,
        tags: body.tags,
        creatorId: who.user.id,
      });
      return { model: wireLoggedModel(model) };
    },
    ["POST"],
  );
  route(
    "/logged-models/search",
    async (who, body) => {
      const readable = await access.readableProjects(who);
      const ids: number[] = [];
      for (const raw of list(body.experiment_ids)) {
        const exp = await tracking.experiments.get(experimentIdOf(raw)).catch(() => null);
        if (exp && (readable === null || readable.includes(exp.projectId))) ids.push(exp.id);
      }
      const max = maxResultsOf(body.max_results, 50, 50_000);
      const offset = offsetOf(body.page_token);
      const orderBy = (Array.isArray(body.order_by) ? body.order_by : []).map(
        (o: { field_name?: unknown; ascending?: unknown }) => {
          if (typeof o?.field_name !== "string")
            throw invalid("Missing value for required parameter 'order_by.field_name'");
          return { field: o.field_name, ascending: o.ascending === undefined ? true : boolOf(o.ascending) };
        },
      );
      const found = await models.logged.search({
        experimentIds: ids,
        filter: str(body.filter),
        orderBy,
        limit: max + 1,
        offset,
      });
      return {
        models: found.slice(0, max).map(wireLoggedModel),
        ...(found.length > max ? { next_page_token: pageToken(offset + max) } : {}),
      };
    },
    ["POST"],
  );
  route(
    "/logged-models/:model_id",
    async (who, body) => {
      const model = await loggedModel(who, body.model_id, "viewer", boolOf(body.allow_deleted));
      return { model: wireLoggedModel(model) };
    },
    ["GET"],
  );
  route(
    "/logged-models/:model_id",
    async (who, body) => {
      const model = await loggedModel(who, body.model_id, "editor");
      if (body.status === undefined) throw invalid("Missing value for required parameter 'status'");
      return { model: wireLoggedModel(await models.logged.finalize(model.id, body.status)) };
    },
    ["PATCH"],
  );
  route(
    "/logged-models/:model_id",
    async (who, body) => {
      await models.logged.delete((await loggedModel(who, body.model_id, "editor")).id);
      return {};
    },
    ["DELETE"],
  );
  route(
    "/logged-models/:model_id/tags",
    async (who, body) => {
      await models.logged.setTags((await loggedModel(who, body.model_id, "editor")).id, body.tags);
      return {};
    },
    ["PATCH"],
  );
  route(
    "/logged-models/:model_id/tags/:tag_key",
    async (who, body) => {
      const model = await loggedModel(who, body.model_id, "editor");
      await models.logged.deleteTag(model.id, decodeURIComponent(String(body.tag_key)));
      return {};
    },
    ["DELETE"],
  );
  route(
    "/logged-models/:model_id/params",
    async (who, body) => {
      await models.logged.logParams((await loggedModel(who, body.model_id, "editor")).id, body.params);
      return {};
    },
    ["POST"],
  );
  route(
    "/logged-models/:model_id/artifacts/directories",
    async (who, body) => {
      const model = await loggedModel(who, body.model_id, "viewer");
      const sub = (str(body.artifact_directory_path) ?? "").replace(/^\/+|\/+$/g, "");
      const root = `models/${model.id}/artifacts`;
      if (sub.split("/").includes("..")) throw invalid("Invalid path");
      const entries = await tracking.artifacts.list({
        experimentId: model.experimentId,
        rest: sub ? `${root}/${sub}` : root,
      });
      return {
        root_uri: model.artifactUri,
        files: entries.map((e) => ({
          path: sub ? `${sub}/${e.path}` : e.path,
          is_dir: e.isDir,
          ...(e.size !== undefined ? { file_size: e.size } : {}),
        })),
      };
    },
    ["GET"],
  );
  route(
    "/runs/outputs",
    async (who, body) => {
      const runId = required(body, "run_id");
      await access.run(who, runId, "editor");
      for (const m of Array.isArray(body.models) ? (body.models as { model_id?: unknown }[]) : [])
        await loggedModel(who, m?.model_id, "viewer");
      await models.logged.logOutputs(runId, body.models);
      return {};
    },
    ["POST"],
  );

  // --- registered models ---------------------------------------------------
  route(
    "/registered-models/create",
    async (who, body) => {
      const tags = (Array.isArray(body.tags) ? body.tags : []) as { key?: string; value?: string }[];
      const named = tags.find((t) => t?.key === "tandem.projectId")?.value;
      const projectId = who.projectScope ?? named ?? (await tracking.projects.defaultFor(who.user.id));
      await access.checkRole(who, projectId, "editor", `Project ${projectId} not found`);
      const model = await models.registered.create({
        projectId,
        name: body.name,
        description: str(body.description),
        tags: body.tags,
        userId: who.user.id,
      });
      return { registered_model: wireRegisteredModel(model) };
    },
    ["POST"],
  );
  route(
    "/registered-models/get",
    async (who, body) => {
      const row = await registered(who, body.name, "viewer");
      return { registered_model: await withLatest(await models.registered.byId(row.id)) };
    },
    ["GET"],
  );
  route("/registered-models/search", async (who, body) => {
    const max = maxResultsOf(body.max_results, 100, 1000);
    const offset = offsetOf(body.page_token);
    const found = await models.registered.search({
      projectIds: await access.readableProjects(who),
      filter: str(body.filter),
      orderBy: list(body.order_by),
      limit: max + 1,
      offset,
    });
    return {
      registered_models: await Promise.all(found.slice(0, max).map(withLatest)),
      ...(found.length > max ? { next_page_token: pageToken(offset + max) } : {}),
    };
  });
  route(
    "/registered-models/update",
    async (who, body) => {
      const row = await registered(who, body.name, "editor");
      const description = str(body.description);
      const updated = await models.registered.update(row, description !== undefined ? { description } : {});
      return { registered_model: await withLatest(updated) };
    },
    ["PATCH", "POST"],
  );
  route(
    "/registered-models/rename",
    async (who, body) => {
      const row = await registered(who, body.name, "editor");
      const updated = await models.registered.update(row, { name: required(body, "new_name") });
      return { registered_model: await withLatest(updated) };
    },
    ["POST"],
  );
  route(
    "/registered-models/delete",
    async (who, body) => {
      await models.registered.delete(await registered(who, body.name, "editor"));
      return {};
    },
    ["DELETE"],
  );
  route(
    "/registered-models/set-tag",
    async (who, body) => {
      await models.registered.setTag(await registered(who, body.name, "editor"), body.key, body.value);
      return {};
    },
    ["POST"],
  );
  route(
    "/registered-models/delete-tag",
    async (who, body) => {
      await models.registered.deleteTag(await registered(who, body.name, "editor"), required(body, "key"));
      return {};
    },
    ["DELETE"],
  );
  route(
    "/registered-models/alias",
    async (who, body) => {
      const row = await registered(who, body.name, "editor");
      await models.aliases.set(row, body.alias, body.version, who.user.id);
      return {};
    },
    ["POST"],
  );
  route(
    "/registered-models/alias",
    async (who, body) => {
      const row = await registered(who, body.name, "editor");
      await models.aliases.delete(row, body.alias, who.user.id);
      return {};
    },
    ["DELETE"],
  );
  route(
    "/registered-models/alias",
    async (who, body) => {
      const row = await registered(who, body.name, "viewer");
      return { model_version: wireModelVersion(await models.aliases.version(row, body.alias)) };
    },
    ["GET"],
  );
  route(
    "/registered-models/get-latest-versions",
    async (who, body) => {
      const row = await registered(who, body.name, "viewer");
      return { model_versions: (await models.versions.latest(row, list(body.stages))).map(wireModelVersion) };
    },
    ["GET", "POST"],
  );

  // --- model versions ------------------------------------------------------
  route(
    "/model-versions/create",
    async (who, body) => {
      const row = await registered(who, body.name, "editor");
      const resolved = await models.versions.resolveSource({
        source: body.source,
        runId: body.run_id,
        modelId: body.model_id,
      });
      // Registering from another project's run needs only the right to read that project.
      for (const projectId of resolved.projectIds)
        await access.checkRole(who, projectId, "viewer", `Source ${resolved.source} not found`);
      const v = await models.versions.create({
        model: row,
        resolved,
        tags: body.tags,
        description: str(body.description),
        runLink: str(body.run_link),
        userId: who.user.id,
        userName: who.user.email,
      });
      return { model_version: wireModelVersion(v) };
    },
    ["POST"],
  );
  route(
    "/model-versions/get",
    async (who, body) => ({ model_version: wireModelVersion((await version(who, body, "viewer")).version) }),
    ["GET"],
  );
  route("/model-versions/search", async (who, body) => {
    const max = maxResultsOf(body.max_results, 10_000, 200_000, "model-versions");
    const offset = offsetOf(body.page_token);
    const found = await models.versions.search({
      projectIds: await access.readableProjects(who),
      filter: str(body.filter),
      orderBy: list(body.order_by),
      limit: max + 1,
      offset,
    });
    return {
      model_versions: found.slice(0, max).map(wireModelVersion),
      ...(found.length > max ? { next_page_token: pageToken(offset + max) } : {}),
    };
  });
  route(
    "/model-versions/update",
    async (who, body) => {
      const { row, version: v } = await version(who, body, "editor");
      const description = str(body.description);
      if (description !== undefined) await models.versions.update(v, { description });
      return { model_version: wireModelVersion(await models.versions.get(row, v.version)) };
    },
    ["PATCH", "POST"],
  );
  route(
    "/model-versions/delete",
    async (who, body) => {
      await models.versions.delete((await version(who, body, "editor")).version, who.user.id);
      return {};
    },
    ["DELETE"],
  );
  route(
    "/model-versions/set-tag",
    async (who, body) => {
      await models.versions.setTag((await version(who, body, "editor")).version, body.key, body.value);
      return {};
    },
    ["POST"],
  );
  route(
    "/model-versions/delete-tag",
    async (who, body) => {
      await models.versions.deleteTag((await version(who, body, "editor")).version, required(body, "key"));
      return {};
    },
    ["DELETE"],
  );
  route(
    "/model-versions/get-download-uri",
    async (who, body) => ({
      artifact_uri: await models.versions.downloadUri((await version(who, body, "viewer")).version),
    }),
    ["GET"],
  );
  route(
    "/model-versions/transition-stage",
    async (who, body) => {
      const { row, version: v } = await version(who, body, "editor");
      await models.versions.transitionStage(v, body.stage, boolOf(body.archive_existing_versions));
      return { model_version: wireModelVersion(await models.versions.get(row, v.version)) };
    },
    ["POST"],
  );
}

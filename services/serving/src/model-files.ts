import { createWriteStream } from "node:fs";
import { mkdir, readFile, rename, rm, stat } from "node:fs/promises";
import { dirname, join } from "node:path";
import { pipeline } from "node:stream/promises";
import { type ArtifactStore, parseArtifactPath } from "@tandem/tracking";
import { ServingError } from "./errors.ts";

/**
 * Copies a model version's files (MLmodel, the model, requirements.txt, python_env.yaml) out of the
 * content-addressed artifact store into `<dir>/<versionId>`, once: a version's files never change.
 */
export async function materializeModel(
  store: ArtifactStore,
  downloadUri: string,
  dir: string,
  versionId: string,
): Promise<string> {
  const target = join(dir, versionId);
  if (await exists(join(target, "MLmodel"))) return target;
  const match = /^mlflow-artifacts:\/(.+)$/.exec(downloadUri);
  if (!match)
    throw new ServingError("model_unavailable", `The model's files are not in Tandem's store (${downloadUri})`);
  const root = parseArtifactPath(match[1]!);
  const aside = `${target}.${process.pid}.${Date.now()}.partial`;
  await rm(aside, { recursive: true, force: true });
  const copyDir = async (rest: string, into: string) => {
    for (const entry of await store.list({ experimentId: root.experimentId, rest })) {
      const path = rest ? `${rest}/${entry.path}` : entry.path;
      if (entry.isDir) {
        await copyDir(path, join(into, entry.path));
        continue;
      }
      const blob = await store.get({ experimentId: root.experimentId, rest: path });
      if (!blob) continue;
      const file = join(into, entry.path);
      await mkdir(dirname(file), { recursive: true });
      await pipeline(blob.stream, createWriteStream(file));
    }
  };
  await copyDir(root.rest, aside);
  if (!(await exists(join(aside, "MLmodel")))) {
    await rm(aside, { recursive: true, force: true });
    throw new ServingError("model_unavailable", `No MLmodel file under ${downloadUri}: is it an MLflow model?`);
  }
  await mkdir(dir, { recursive: true });
  await rename(aside, target).catch(async (err) => {
    // Another start materialised it first.
    await rm(aside, { recursive: true, force: true });
    if (!(await exists(join(target, "MLmodel")))) throw err;
  });
  return target;
}

/** What the model says it needs: its requirements.txt lines and python_env.yaml's Python version. */
export async function modelRequirements(modelDir: string): Promise<{ requirements: string[]; python: string }> {
  const text = await readFile(join(modelDir, "requirements.txt"), "utf8").catch(() => "");
  const env = await readFile(join(modelDir, "python_env.yaml"), "utf8").catch(() => "");
  const python = /^python:\s*["']?(3\.\d+)/m.exec(env)?.[1] ?? "3";
  const requirements = text
    .split(/\r?\n/)
    .map((l) => l.replace(/#.*$/, "").trim())
    .filter((l) => l && !l.startsWith("-"))
    // MLflow's scoring server needs only the skinny package (it carries fastapi and uvicorn); the
    // full one adds the tracking server's UI and database drivers, minutes of a cold build.
    .map((l) => l.replace(/^mlflow(?=\s*(==|>=|<=|~=|!=|$))/i, "mlflow-skinny"));
  if (!requirements.some((l) => /^mlflow(-skinny)?\b/i.test(l))) requirements.push("mlflow-skinny");
  return { requirements, python };
}

async function exists(path: string) {
  return stat(path).then(
    () => true,
    () => false,
  );
}

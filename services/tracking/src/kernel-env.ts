import { type Db, schema } from "@tandem/db";
import { eq } from "drizzle-orm";
import { invalid } from "./errors.ts";
import { type Experiment, toExperiment } from "./experiments.ts";

const { experiments, notebooks } = schema;

/**
 * The notebook's default experiment, made on first use. Its name is the notebook's name with a
 * short id (names are unique per project; notebooks' are not).
 */
export async function ensureNotebookExperiment(
  db: Db,
  input: { notebookId: string; projectId: string; userId: string | null },
): Promise<Experiment> {
  const find = async () =>
    (await db.select().from(experiments).where(eq(experiments.notebookId, input.notebookId)).limit(1))[0];
  const found = await find();
  if (found) return toExperiment(found);
  const [nb] = await db.select().from(notebooks).where(eq(notebooks.id, input.notebookId)).limit(1);
  if (!nb || nb.projectId !== input.projectId)
    throw invalid(`Notebook ${input.notebookId} is not in project ${input.projectId}`);
  const now = Date.now();
  for (const name of [`${nb.name} (${nb.id.slice(0, 8)})`, `${nb.name} (${nb.id})`]) {
    // Two kernels starting at once: the unique index on notebook_id makes one of them win.
    const [row] = await db
      .insert(experiments)
      .values({
        projectId: nb.projectId,
        notebookId: nb.id,
        name,
        tags: { "tandem.notebookId": nb.id },
        createdBy: input.userId,
        creationTime: now,
        lastUpdateTime: now,
      })
      .onConflictDoNothing()
      .returning();
    if (row) return toExperiment(row);
    const raced = await find();
    if (raced) return toExperiment(raced);
  }
  throw invalid(`Could not name an experiment for notebook ${input.notebookId}`);
}

export interface KernelTrackingInput {
  notebookId: string;
  projectId: string;
  userId: string;
  /** The server's base URL (with or without a trailing `/api`). */
  apiBaseUrl: string;
  /** A token scoped to the notebook's project. */
  token: string;
}

export interface KernelTrackingEnv {
  MLFLOW_TRACKING_URI: string;
  MLFLOW_TRACKING_TOKEN: string;
  MLFLOW_EXPERIMENT_NAME: string;
}

/** The environment a kernel gets so that `import mlflow` records into its notebook's experiment. */
export async function kernelTrackingEnv(db: Db, input: KernelTrackingInput): Promise<KernelTrackingEnv> {
  const exp = await ensureNotebookExperiment(db, input);
  // The MLflow client appends `/api/2.0/mlflow/...` itself, so the URI is the server's root.
  const root = input.apiBaseUrl.replace(/\/+$/, "").replace(/\/api$/, "");
  return { MLFLOW_TRACKING_URI: root, MLFLOW_TRACKING_TOKEN: input.token, MLFLOW_EXPERIMENT_NAME: exp.name };
}

export interface KernelTrackingHookDeps {
  /** The server's API URL; unknown until it listens. */
  apiUrl: () => string | undefined;
  /** A token of the project for the kernel's MLflow client, revoked when the kernel ends. */
  mintToken: (req: {
    userId: string;
    projectId: string;
    name: string;
  }) => Promise<{ token: string; revoke(): Promise<void> }>;
  /** The scheduled run whose document this is, if any (its kernel logs into that run). */
  runOf: (documentId: string) => Promise<{ notebookId: string; experimentRunId: string } | null>;
}

/**
 * The kernel gateway's launch hook: `import mlflow` in a notebook records into the notebook's
 * experiment with a token of its project; in a scheduled run's kernel, into that run (MLFLOW_RUN_ID).
 */
export function kernelTrackingHook(db: Db, deps: KernelTrackingHookDeps) {
  return async (ctx: { notebookId?: string; projectId?: string; userId?: string }) => {
    const apiBaseUrl = deps.apiUrl();
    if (!ctx.notebookId || !ctx.projectId || !ctx.userId || !apiBaseUrl) return null;
    const { userId, projectId } = ctx;
    const run = await deps.runOf(ctx.notebookId);
    const created = await deps.mintToken({ userId, projectId, name: "kernel MLflow tracking" });
    const env: Record<string, string> = {
      ...(await kernelTrackingEnv(db, {
        notebookId: run?.notebookId ?? ctx.notebookId,
        projectId,
        userId,
        apiBaseUrl,
        token: created.token,
      })),
    };
    if (run) env.MLFLOW_RUN_ID = run.experimentRunId;
    return { runtimeEnv: env, release: () => created.revoke() };
  };
}

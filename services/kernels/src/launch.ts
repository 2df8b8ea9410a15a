import type { KernelSpec } from "./kernelspecs.ts";

/** What a kernel launch is for; passed to launch hooks. */
export interface LaunchContext {
  kernelId: string;
  spec: KernelSpec;
  /** Set for a notebook's kernel. */
  notebookId?: string;
  projectId?: string;
  /** The person who caused the launch. */
  userId?: string;
  cwd: string;
}

/** A hook's contribution to one kernel process: extra environment, a replaced argv, resources to free. */
export interface LaunchContribution {
  env?: Record<string, string>;
  /**
   * Variables read only when code asks for them (MLflow's, Tandem's): a pre-started kernel gets them
   * set before any user code runs, so it can still come from the warm pool.
   */
  runtimeEnv?: Record<string, string>;
  /** Replaces the kernelspec's argv (`{connection_file}` is still substituted). */
  argv?: string[];
  /** Put in front of the kernel's argv: a sandbox the process runs inside. */
  wrapper?: string[];
  /** What every execution on this process records about where it ran (environment, GPUs). */
  record?: Record<string, unknown>;
  /** Called once the process has ended (e.g. to give a GPU back). */
  release?(): void | Promise<void>;
}

/**
 * Lets other services shape a kernel process (environments: interpreter and GPU allocation;
 * tracking: MLFLOW_* variables). Called before every process start, restarts included.
 */
export type PrepareLaunch = (
  ctx: LaunchContext,
) => LaunchContribution | null | undefined | Promise<LaunchContribution | null | undefined>;

/** What a kernel process gets from Tandem about where it runs (the scoped token included). */
export interface KernelIdentity {
  notebookId?: string;
  projectId?: string;
  user?: { id: string; email?: string; name?: string };
  apiUrl?: string;
  token?: string;
}

export function identityEnv(id: KernelIdentity): Record<string, string> {
  const env: Record<string, string> = {};
  if (id.notebookId) env.TANDEM_NOTEBOOK_ID = id.notebookId;
  if (id.projectId) env.TANDEM_PROJECT_ID = id.projectId;
  if (id.user) {
    env.TANDEM_USER_ID = id.user.id;
    if (id.user.email) env.TANDEM_USER = id.user.email;
    if (id.user.name) env.TANDEM_USER_NAME = id.user.name;
  }
  if (id.apiUrl) env.TANDEM_API_URL = id.apiUrl;
  if (id.token) env.TANDEM_API_TOKEN = id.token;
  return env;
}

export function substituteArgv(argv: string[], connectionFile: string, spec: KernelSpec): string[] {
  return argv.map((a) =>
    a.replaceAll("{connection_file}", connectionFile).replaceAll("{resource_dir}", spec.resourceDir ?? ""),
  );
}

import { delimiter, resolve } from "node:path";
import { z } from "zod";

/** A whole number in range, with a message that says so (z.coerce would say "received NaN"). */
const int = (min: number, max: number) =>
  z
    .string()
    .regex(/^\d+$/, `must be a whole number from ${min} to ${max}`)
    .transform(Number)
    .pipe(z.number().min(min, `must be at least ${min}`).max(max, `must be at most ${max}`));

const bool = z
  .enum(["1", "0", "true", "false", "yes", "no"], { error: "must be true or false" })
  .transform((v) => v === "1" || v === "true" || v === "yes");

/** Each key is the environment variable it is read from, so errors name the variable. */
const EnvSchema = z.object({
  TANDEM_HOST: z.string().min(1).default("127.0.0.1"),
  TANDEM_PORT: int(0, 65535).default(8888),
  TANDEM_DATA_DIR: z.string().min(1).default(".tandem"),
  DATABASE_URL: z
    .string()
    .regex(/^postgres(ql)?:\/\//, "must be a postgres:// or postgresql:// URL")
    .optional(),
  TANDEM_TOKEN: z.string().min(16, "must be at least 16 characters").optional(),
  TANDEM_LOG_LEVEL: z.enum(["trace", "debug", "info", "warn", "error", "fatal", "silent"]).default("info"),
  TANDEM_MAX_BODY_BYTES: int(1, 2 ** 40).default(64 * 1024 * 1024),
  TANDEM_ALLOW_SIGNUP: bool.default(true),
  TANDEM_SECURE_COOKIES: bool.default(false),
  TANDEM_PUBLIC_URL: z.url().optional(),
  TANDEM_WEB_DIST: z.string().optional(),
  TANDEM_LOGIN_ATTEMPTS: int(1, 1_000_000).default(10),
  TANDEM_UV: z.string().min(1).optional(),
  TANDEM_ENVS_DIR: z.string().min(1).optional(),
  TANDEM_UV_CACHE_DIR: z.string().min(1).optional(),
  TANDEM_DEFAULT_ENV: bool.default(true),
  TANDEM_DEFAULT_ENV_REQUIREMENTS: z
    .string()
    .trim()
    .min(1)
    .refine((s) => !/(^|[\s,])-/.test(s), "requirements only (no options such as --index-url)")
    .optional(),
  TANDEM_GPU_INVENTORY_FILE: z.string().min(1).optional(),
  TANDEM_ENV_BUILDS: int(1, 16).default(1),
  TANDEM_COLLAB_MAX_MESSAGE_BYTES: int(1, 2 ** 40).default(32 * 1024 * 1024),
  TANDEM_COLLAB_IDLE_UNLOAD_MS: int(0, 24 * 60 * 60 * 1000).default(30_000),
  TANDEM_COLLAB_COMPACT_EVERY: int(1, 1_000_000).default(500),
  TANDEM_KERNELSPEC_PATH: z.string().optional(),
  TANDEM_DEFAULT_KERNELSPEC: z.string().min(1).optional(),
  TANDEM_KERNEL_IDLE_TIMEOUT: int(0, 30 * 24 * 3600).default(3600),
  TANDEM_KERNEL_POOL_SIZE: int(0, 64).default(1),
  TANDEM_STREAM_OUTPUT_LIMIT: int(1000, 2 ** 30).default(1_000_000),
  TANDEM_OUTPUT_COUNT_LIMIT: int(1, 1_000_000).default(500),
  TANDEM_OUTPUT_BYTES_LIMIT: int(1024, 2 ** 40).default(10 * 1024 * 1024),
  TANDEM_KERNEL_USER: z.string().min(1).optional(),
  TANDEM_KERNEL_ISOLATION: z.enum(["sandbox", "none"], { error: "must be sandbox or none" }).default("sandbox"),
  TANDEM_BWRAP: z.string().min(1).default("bwrap"),
  TANDEM_KERNEL_READ_PATHS: z.string().optional(),
  TANDEM_KERNEL_WRITE_PATHS: z.string().optional(),
  TANDEM_SCHEDULER_WORKERS: int(0, 256).default(2),
  TANDEM_RUN_LEASE_MS: int(200, 3_600_000).default(30_000),
  TANDEM_SCHEDULER_POLL_MS: int(10, 60_000).default(1000),
  TANDEM_METRICS_TOKEN: z.string().min(16, "must be at least 16 characters").optional(),
  TANDEM_METRICS_RETENTION_DAYS: int(1, 3650).default(30),
  // Several servers: artifacts in a shared bucket, kernels owned by one server under a lease.
  TANDEM_ARTIFACTS_URL: z
    .string()
    .regex(/^s3:\/\/[a-z0-9][a-z0-9.-]{1,61}[a-z0-9](\/.*)?$/, "must be an s3://bucket/prefix URL")
    .optional(),
  TANDEM_S3_ENDPOINT: z.url().optional(),
  TANDEM_S3_REGION: z.string().min(1).optional(),
  TANDEM_S3_ACCESS_KEY_ID: z.string().min(1).optional(),
  TANDEM_S3_SECRET_ACCESS_KEY: z.string().min(1).optional(),
  TANDEM_S3_FORCE_PATH_STYLE: bool.optional(),
});

export interface Config {
  host: string;
  port: number;
  dataDir: string;
  databaseUrl?: string;
  token?: string;
  logLevel: z.infer<typeof EnvSchema>["TANDEM_LOG_LEVEL"];
  maxBodyBytes: number;
  allowSignup: boolean;
  secureCookies: boolean;
  /** The address people reach the server at, for printed and generated links. */
  publicUrl?: string;
  /** The built web app to serve at `/`, if any. */
  webDist?: string;
  loginAttempts: number;
  /** The uv program (otherwise found on PATH, as `python3 -m uv`, or installed under the data dir). */
  uv?: string;
  /** Built environments (default `<dataDir>/envs`). */
  envsDir?: string;
  /** uv's cache, shared by every build (default `<dataDir>/cache/uv`). */
  uvCacheDir?: string;
  /** Build a default Python 3 environment with ipykernel at first start when no usable kernelspec exists. */
  defaultEnv: boolean;
  /** The first-start environment's requirements (default: the data-science stack). */
  defaultEnvRequirements?: string[];
  /** A recorded `nvidia-smi --query-gpu=... --format=csv` output to use as the GPU inventory. */
  gpuInventoryFile?: string;
  /** Environment builds that run at once. */
  envBuilds: number;
  /** Largest collaboration WebSocket frame accepted from a client (bytes). */
  collabMaxMessageBytes: number;
  /** How long a notebook room with nobody in it stays in memory (ms). */
  collabIdleUnloadMs: number;
  /** Fold a notebook's update log into a snapshot once it has this many rows. */
  collabCompactEvery: number;
  /** Extra kernelspec data directories (each with `kernels/<name>/kernel.json`), searched first. */
  kernelspecPath: string[];
  defaultKernelspec?: string;
  /** Shut down a notebook's kernel idle this long (seconds); 0 keeps it until asked. */
  kernelIdleTimeout: number;
  /** Pre-started kernels kept per Python kernelspec, once one has been used. */
  kernelPoolSize: number;
  /** Most stream characters kept per cell run (head and tail kept, the middle dropped with a marker). */
  streamOutputLimit: number;
  /** Most outputs kept per cell run (the rest dropped, with a marker saying how many). */
  outputCountLimit: number;
  /** Most bytes of rich outputs kept per cell run. */
  outputBytesLimit: number;
  /** Run kernels as this OS user (the server must be allowed to switch to it). */
  kernelUser?: string;
  /** sandbox: kernels in bubblewrap (own PID, mount, IPC, UTS namespaces); none: as the server's processes. */
  kernelIsolation: "sandbox" | "none";
  /** The bubblewrap program. */
  bwrap: string;
  /** Host paths sandboxed kernels may also read. */
  kernelReadPaths: string[];
  /** Host paths sandboxed kernels may also write. */
  kernelWritePaths: string[];
  /** Runs this process executes at once (0: it schedules and serves, other processes run). */
  schedulerWorkers: number;
  /** How long a run stays a worker's without a heartbeat (a dead worker's runs wait this long). */
  runLeaseMs: number;
  schedulerPollMs: number;
  /** The bearer token Prometheus scrapes `GET /metrics` with (off without one). */
  metricsToken?: string;
  /** How long deployments' per-minute metrics and request log are kept (days). */
  metricsRetentionDays: number;
  /** `s3://bucket/prefix`: artifacts go to that bucket (absent: `<dataDir>/artifacts`). */
  artifactsUrl?: string;
  /** The bucket's endpoint, region, credentials (absent: the AWS SDK's own AWS_* chain). */
  s3: {
    endpoint?: string;
    region?: string;
    credentials?: { accessKeyId: string; secretAccessKey: string };
    forcePathStyle?: boolean;
  };
}

export class ConfigError extends Error {}

/** Parses the environment (plus command-line overrides, which win) into the one typed config. */
export function loadConfig(
  env: Record<string, string | undefined> = process.env,
  overrides: Partial<Config> = {},
): Config {
  const present = Object.fromEntries(Object.entries(env).filter(([, v]) => v !== undefined && v !== ""));
  const parsed = EnvSchema.safeParse(present);
  if (!parsed.success) {
    const lines = parsed.error.issues.map((i) => `  ${i.path.join(".")}: ${i.message}`);
    throw new ConfigError(`Invalid configuration:\n${lines.join("\n")}`);
  }
  const e = parsed.data;
  const config: Config = {
    host: e.TANDEM_HOST,
    port: e.TANDEM_PORT,
    dataDir: e.TANDEM_DATA_DIR,
    databaseUrl: e.DATABASE_URL,
    token: e.TANDEM_TOKEN,
    logLevel: e.TANDEM_LOG_LEVEL,
    maxBodyBytes: e.TANDEM_MAX_BODY_BYTES,
    allowSignup: e.TANDEM_ALLOW_SIGNUP,
    secureCookies: e.TANDEM_SECURE_COOKIES,
    publicUrl: e.TANDEM_PUBLIC_URL,
    webDist: e.TANDEM_WEB_DIST,
    loginAttempts: e.TANDEM_LOGIN_ATTEMPTS,
    uv: e.TANDEM_UV,
    envsDir: e.TANDEM_ENVS_DIR && resolve(e.TANDEM_ENVS_DIR),
    uvCacheDir: e.TANDEM_UV_CACHE_DIR && resolve(e.TANDEM_UV_CACHE_DIR),
    defaultEnv: e.TANDEM_DEFAULT_ENV,
    // Space- or comma-separated, as on a command line: "numpy pandas polars ipykernel".
    defaultEnvRequirements: e.TANDEM_DEFAULT_ENV_REQUIREMENTS?.split(/[\s,]+/).filter(Boolean),
    gpuInventoryFile: e.TANDEM_GPU_INVENTORY_FILE,
    envBuilds: e.TANDEM_ENV_BUILDS,
    collabMaxMessageBytes: e.TANDEM_COLLAB_MAX_MESSAGE_BYTES,
    collabIdleUnloadMs: e.TANDEM_COLLAB_IDLE_UNLOAD_MS,
    collabCompactEvery: e.TANDEM_COLLAB_COMPACT_EVERY,
    kernelspecPath: (e.TANDEM_KERNELSPEC_PATH ?? "")
      .split(delimiter)
      .filter(Boolean)
      .map((p) => resolve(p)),
    defaultKernelspec: e.TANDEM_DEFAULT_KERNELSPEC,
    kernelIdleTimeout: e.TANDEM_KERNEL_IDLE_TIMEOUT,
    kernelPoolSize: e.TANDEM_KERNEL_POOL_SIZE,
    streamOutputLimit: e.TANDEM_STREAM_OUTPUT_LIMIT,
    outputCountLimit: e.TANDEM_OUTPUT_COUNT_LIMIT,
    outputBytesLimit: e.TANDEM_OUTPUT_BYTES_LIMIT,
    kernelUser: e.TANDEM_KERNEL_USER,
    kernelIsolation: e.TANDEM_KERNEL_ISOLATION,
    bwrap: e.TANDEM_BWRAP,
    kernelReadPaths: (e.TANDEM_KERNEL_READ_PATHS ?? "")
      .split(delimiter)
      .filter(Boolean)
      .map((p) => resolve(p)),
    kernelWritePaths: (e.TANDEM_KERNEL_WRITE_PATHS ?? "")
      .split(delimiter)
      .filter(Boolean)
      .map((p) => resolve(p)),
    schedulerWorkers: e.TANDEM_SCHEDULER_WORKERS,
    runLeaseMs: e.TANDEM_RUN_LEASE_MS,
    schedulerPollMs: e.TANDEM_SCHEDULER_POLL_MS,
    metricsToken: e.TANDEM_METRICS_TOKEN,
    metricsRetentionDays: e.TANDEM_METRICS_RETENTION_DAYS,
    artifactsUrl: e.TANDEM_ARTIFACTS_URL,
    s3: {
      endpoint: e.TANDEM_S3_ENDPOINT,
      region: e.TANDEM_S3_REGION ?? env.AWS_REGION ?? env.AWS_DEFAULT_REGION,
      credentials:
        e.TANDEM_S3_ACCESS_KEY_ID && e.TANDEM_S3_SECRET_ACCESS_KEY
          ? { accessKeyId: e.TANDEM_S3_ACCESS_KEY_ID, secretAccessKey: e.TANDEM_S3_SECRET_ACCESS_KEY }
          : undefined,
      forcePathStyle: e.TANDEM_S3_FORCE_PATH_STYLE,
    },
    ...Object.fromEntries(Object.entries(overrides).filter(([, v]) => v !== undefined)),
  };
  config.dataDir = config.dataDir.startsWith("memory://") ? config.dataDir : resolve(config.dataDir);
  return config;
}

import { OpenAPIHono } from "@hono/zod-openapi";
import type { Collab } from "@tandem/collab";
import type { Db } from "@tandem/db";
import type { EnvironmentService } from "@tandem/envs";
import type { Kernels } from "@tandem/kernels";
import { ErrorCode } from "@tandem/protocol";
import type { Scheduler } from "@tandem/scheduler";
import type { Serving } from "@tandem/serving";
import type { Tracking } from "@tandem/tracking";
import type { Context } from "hono";
import type { Logger } from "pino";
import type { AccessEvents } from "./access-events.ts";
import type { Identity } from "./auth/identity.ts";
import { validationMessage } from "./error-table.ts";
import { unauthenticated } from "./errors.ts";

export interface ApiConfig {
  /** Largest request body accepted, in bytes (413 above). */
  maxBodyBytes: number;
  /** Whether anyone may create an account (otherwise only admins add people). */
  allowSignup: boolean;
  /** Mark cookies `Secure` (behind HTTPS). */
  secureCookies: boolean;
  /** Login attempts per account and address per window. */
  loginAttempts: number;
  loginWindowMs: number;
}

export interface ApiDeps {
  db: Db;
  log: Logger;
  config: ApiConfig;
  /** Pinned environments (builds, kernelspecs, GPUs). */
  envs: EnvironmentService;
  /** Notebook documents: creation, import/export, versions, share links. */
  collab: Collab;
  /** Kernels: the Jupyter-compatible API and notebooks' execution. */
  kernels: Kernels;
  /** Experiments, runs and artifacts (MLflow-compatible). */
  tracking: Tracking;
  /** Headless and scheduled runs, job definitions. */
  scheduler: Scheduler;
  /** Deployments of registered models and their scoring proxy. */
  serving: Serving;
  /** Where revocations and role changes are announced, for open WebSockets to follow. */
  accessEvents: AccessEvents;
  /** `GET /metrics` (Prometheus's text format) for a scraper with this token; off without one. */
  prometheus?: { token: string | null; render(): Promise<{ body: string; contentType: string }> };
  /** What time it is, for expiries (tests inject a clock to reach one without waiting). */
  clock?: () => Date;
}

export type AppEnv = { Variables: { identity: Identity | null } };
export type AppContext = Context<AppEnv>;

/** A router whose validation failures answer with Tandem's error shape. */
export function router() {
  return new OpenAPIHono<AppEnv>({
    defaultHook: (result, c) => {
      if (!result.success) {
        return c.json({ error: { code: ErrorCode.validation, message: validationMessage(result.error) } }, 400);
      }
    },
  });
}

export function requireIdentity(c: AppContext): Identity {
  const who = c.get("identity");
  if (!who) throw unauthenticated();
  return who;
}

import type { Collab } from "@tandem/collab";
import type { Db } from "@tandem/db";
import type { EnvironmentService } from "@tandem/envs";
import type { Kernels } from "@tandem/kernels";
import type { Tracking } from "@tandem/tracking";
import type { Logger } from "pino";

/** What the scheduler works with; the composition root passes the real services. */
export interface SchedulerDeps {
  db: Db;
  log: Logger;
  kernels: Kernels;
  collab: Collab;
  tracking: Tracking;
  envs: Pick<EnvironmentService, "get" | "settled">;
  /** The time source (tests move it to fire cron schedules). */
  clock: () => Date;
}

export interface SchedulerTimings {
  /** How long a claimed run is a worker's without a heartbeat. */
  leaseMs: number;
  /** How often a worker looks for queued runs when nothing told it about one. */
  pollMs: number;
  /** The longest the cron ticker sleeps (other processes may add jobs meanwhile). */
  tickMaxMs: number;
  /** A fire time this late still counts as on time (not "missed") for the catch-up policy. */
  graceMs: number;
}

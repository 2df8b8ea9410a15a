// Jobs (cron or on demand), the notebook-run queue with leases, headless parameterised runs, detached notebooks.

export type { SchedulerDeps, SchedulerTimings } from "./context.ts";
export { firesBetween, nextFire, parseSchedule, upcoming } from "./cron.ts";
export { SchedulerError, type SchedulerErrorCode } from "./errors.ts";
export { ARTIFACT_NAME } from "./notebook-run-execution.ts";
export type { NotebookRunFilter } from "./notebook-runs.ts";
export {
  declaredParameters,
  INJECTED_TAG,
  injectParameters,
  PARAMETERS_TAG,
  parameterProblems,
  pythonLiteral,
} from "./parameters.ts";
export { createScheduler, type Scheduler, type SchedulerOptions } from "./scheduler.ts";

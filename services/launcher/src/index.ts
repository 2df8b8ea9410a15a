export { LocalLauncher } from "./local.ts";
export {
  commandOf,
  type ExitInfo,
  envOf,
  LaunchError,
  type LaunchErrorCode,
  type LaunchedProcess,
  type Launcher,
  type LaunchLimits,
  type LaunchSpec,
  type OutputStream,
} from "./spec.ts";

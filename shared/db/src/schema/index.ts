// One module per area; each area's tables live in its own file and are re-exported here.

export * from "./collab.ts";
export * from "./core.ts";
export * from "./envs.ts";
export * from "./models.ts";
export * from "./scheduler.ts";
export * from "./serving.ts";
export * from "./tracking.ts";

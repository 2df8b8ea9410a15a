// One module per area; each area's tables live in its own file and are re-exported here.
export * from "./core.ts";
export * from "./tracking.ts";

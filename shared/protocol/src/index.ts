export * from "./auth.ts";
export * from "./common.ts";
export * from "./errors.ts";
export * from "./notebooks.ts";
export * from "./projects.ts";
export * from "./tracking.ts";

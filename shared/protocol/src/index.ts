export * from "./auth.ts";
export * from "./collab.ts";
export * from "./common.ts";
export * from "./environments.ts";
export * from "./errors.ts";
export * from "./kernels.ts";
export * from "./notebooks.ts";
export * from "./projects.ts";

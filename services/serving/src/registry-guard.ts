import type { Db } from "@tandem/db";
import type { ModelGuard } from "@tandem/tracking";
import { deploymentsOfModel } from "./store.ts";

/** Deleting what a deployment serves, or the alias it follows, is refused (409 naming the deployment). */
export function registryGuard(db: Db): ModelGuard {
  return {
    async deleteVersion({ name, version }) {
      for (const d of await deploymentsOfModel(db, name)) {
        if (d.version === version || d.canary?.version === version || d.serving.some((s) => s.version === version))
          return `Version ${version} of '${name}' is deployed by '${d.name}'; stop or change that deployment first`;
      }
      return null;
    },
    async moveAlias({ name, alias, to }) {
      if (to !== null) return null;
      for (const d of await deploymentsOfModel(db, name))
        if (d.alias === alias || d.canary?.alias === alias)
          return `Alias '${alias}' of '${name}' is followed by deployment '${d.name}'; change that deployment first`;
      return null;
    },
  };
}

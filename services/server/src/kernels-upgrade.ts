import { credentialsOf, kernelRole, resolveIdentity } from "@tandem/api";
import type { Db } from "@tandem/db";
import type { Kernels } from "@tandem/kernels";
import type { LiveAccess } from "./live-access.ts";
import { decodeSegment, headersOf, refuseUpgrade, sameOrigin, type UpgradeHandler } from "./upgrade.ts";

const PATH = /^\/api\/kernels\/([^/?]+)\/channels\/?$/;

/**
 * `GET /api/kernels/:id/channels` (Jupyter Server's kernel WebSocket): token or cookie auth;
 * editors may send, viewers of a notebook's kernel may only watch.
 */
export function kernelsUpgrade(db: Db, kernels: Kernels, live: LiveAccess, clock: () => Date): UpgradeHandler {
  return async (req, socket, head) => {
    const url = new URL(req.url ?? "/", "http://localhost");
    const match = PATH.exec(url.pathname);
    if (!match) return false;
    (socket as { setNoDelay?: (on: boolean) => void }).setNoDelay?.(true);
    const headers = headersOf(req);
    const who = await resolveIdentity(db, credentialsOf(headers, req.url ?? "/"), clock());
    if (!who) {
      refuseUpgrade(socket, 401, "Sign in or send a token");
      return true;
    }
    if (who.kind === "kernel") {
      refuseUpgrade(socket, 403, "A kernel's token cannot open kernel channels");
      return true;
    }
    if (who.via === "session" && !sameOrigin(headers)) {
      refuseUpgrade(socket, 403, "Cross-site WebSocket refused");
      return true;
    }
    const kernelId = decodeSegment(match[1]!);
    const kernel = kernelId === null ? undefined : kernels.get(kernelId);
    const role = kernel ? await kernelRole(db, who, kernel) : null;
    if (!kernel || !role) {
      refuseUpgrade(socket, 404, "Kernel not found");
      return true;
    }
    if (!kernels.handleChannelsUpgrade(req, socket, head, kernel.id, role !== "viewer", live.grantKernel(who))) {
      refuseUpgrade(socket, 404, "Kernel not found");
    }
    return true;
  };
}
